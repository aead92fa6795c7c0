// The protocol core's types (requests, responses, limits, timeouts) are part of this module's
// API: an application that imports HTTPServer sees them without importing HTTP1 itself.
@_exported import HTTP1
