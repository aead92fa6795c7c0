/// A setting that cannot be used. Printed as one line; the process exits 64 (EX_USAGE).
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String

    /// A value that does not parse or is out of range.
    /// - Parameters:
    ///   - setting: The setting that was wrong.
    ///   - value: What was given.
    ///   - expectation: What is accepted.
    static func invalid(_ setting: Setting, value: String, expected expectation: String) -> ConfigurationError {
        ConfigurationError(
            description: "\(setting.environmentName) (--\(setting.flagName)) must be \(expectation); got \"\(value)\"")
    }
}
