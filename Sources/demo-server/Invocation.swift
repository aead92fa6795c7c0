/// What the command line asks for: `demo-server [serve] [--setting value]...`,
/// `demo-server healthcheck [--host A] [--port P] [--path P] [--timeout S]`, `--help` and `--version`.
///
/// Parsed by hand rather than with swift-argument-parser: that package links FoundationEssentials
/// (its JSON encoder backs `--experimental-dump-help`), which cost 5.9 MB of the 17.2 MB static
/// binary, about 2 MB of resident memory and 14 million instructions of start-up building the
/// `serve` command's reflection metadata (lab/performance.md). The grammar is small: options are
/// `--name value` or `--name=value`, the last of a repeated option wins, and there are no
/// positional arguments.
enum Invocation: Equatable {
    case serve(flags: [Setting: String])
    case healthCheck(HealthCheckOptions)
    case help(HelpTopic)
    case version

    /// The subcommand whose help to show.
    enum HelpTopic: Equatable {
        case root, serve, healthCheck
    }

    /// The options of `healthcheck`.
    struct HealthCheckOptions: Equatable {
        /// `--port`; nil takes `PORT`, else the default.
        var port: String?
        /// `--host`; nil takes `HOST`, else the default: the address the server listens on.
        var host: String?
        var path = "/livez"
        /// Seconds to wait for the answer.
        var timeout = 2.0
    }

    /// A command line that does not parse: printed as one line, then the process exits 64
    /// (EX_USAGE, as for a bad setting).
    struct UsageError: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    /// Parses the arguments after the program name.
    /// - Parameter arguments: `CommandLine.arguments.dropFirst()`.
    /// - Throws: `UsageError` naming what is wrong and where to read more.
    static func parse(_ arguments: ArraySlice<String>) throws(UsageError) -> Invocation {
        var rest = arguments
        switch rest.first {
        case "serve":
            rest = rest.dropFirst()
            return try parseServe(rest)
        case "healthcheck":
            return try parseHealthCheck(rest.dropFirst())
        case "help":
            rest = rest.dropFirst()
            switch rest.first {
            case nil: return .help(.root)
            case "serve" where rest.count == 1: return .help(.serve)
            case "healthcheck" where rest.count == 1: return .help(.healthCheck)
            default: throw UsageError(description: "help takes serve or healthcheck; got \(quoted(rest.joined(separator: " ")))")
            }
        default:
            // No subcommand: `serve`, the default, unless the root's own options are asked for.
            if rest.contains(where: isHelp) { return .help(.root) }
            if rest.contains("--version") { return .version }
            return try parseServe(rest)
        }
    }

    private static func parseServe(_ arguments: ArraySlice<String>) throws(UsageError) -> Invocation {
        if arguments.contains(where: isHelp) { return .help(.serve) }
        var flags: [Setting: String] = [:]
        for (name, value) in try options(arguments, command: "serve") {
            guard let setting = Setting.byFlagName[name] else {
                throw UsageError(description: "unknown option --\(name) (demo-server serve --help lists the settings)")
            }
            flags[setting] = value
        }
        return .serve(flags: flags)
    }

    private static func parseHealthCheck(_ arguments: ArraySlice<String>) throws(UsageError) -> Invocation {
        if arguments.contains(where: isHelp) { return .help(.healthCheck) }
        var options = HealthCheckOptions()
        for (name, value) in try Self.options(arguments, command: "healthcheck") {
            switch name {
            case "port":
                options.port = value
            case "host":
                options.host = value
            case "path":
                options.path = value
            case "timeout":
                guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
                    throw UsageError(description: "--timeout must be a number of seconds above 0 and at most 3600; got \(quoted(value))")
                }
                options.timeout = seconds
            default:
                throw UsageError(description: "unknown option --\(name) (demo-server healthcheck --help lists its options)")
            }
        }
        return .healthCheck(options)
    }

    /// Splits `--name value` and `--name=value` pairs, in order.
    private static func options(_ arguments: ArraySlice<String>, command: String) throws(UsageError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw UsageError(description: "unexpected argument \(quoted(argument)) (demo-server \(command) --help lists the options)")
            }
            let option = argument.dropFirst(2)
            if let equals = option.firstIndex(of: "=") {
                pairs.append((String(option[..<equals]), String(option[option.index(after: equals)...])))
                continue
            }
            // `--port --host ::` is a missing value, not a port named "--host".
            guard index < arguments.endIndex, !arguments[index].hasPrefix("--") else {
                throw UsageError(description: "--\(option) needs a value")
            }
            pairs.append((String(option), arguments[index]))
            index += 1
        }
        return pairs
    }

    private static func isHelp(_ argument: String) -> Bool {
        argument == "--help" || argument == "-h"
    }

    private static func quoted(_ text: String) -> String {
        "\"\(text)\""
    }
}

extension Setting {
    /// Every setting by its flag's name without the dashes (`database-path`).
    static let byFlagName: [String: Setting] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.flagName, $0) })
}
