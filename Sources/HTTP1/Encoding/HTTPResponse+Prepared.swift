extension HTTPResponse {
    /// This response with its status line and fields encoded once, for a response that is sent
    /// many times as it is (a fixed answer): the server then copies those bytes instead of
    /// encoding them for every request. The body may still change; changing the status or a
    /// field drops the encoding again.
    public func prepared() -> HTTPResponse {
        var response = self
        var bytes: [UInt8] = []
        ResponseHeadEncoder.appendStatusAndFields(of: self, to: &bytes)
        response.encodedStatusAndFields = bytes
        return response
    }
}
