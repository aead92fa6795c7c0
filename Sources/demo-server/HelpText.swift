/// The text of `--help`, for the program and each subcommand. The settings' lines come from the
/// `Setting` table, so a new setting is documented where it is declared.
enum HelpText {
    static func text(for topic: Invocation.HelpTopic) -> String {
        switch topic {
        case .root: root
        case .serve: serve
        case .healthCheck: healthCheck
        }
    }

    static let root = """
        OVERVIEW: A tiny, fast, hardened Swift web service: demo page, static files, visit counter.

        Every setting is an environment variable and a flag; the flag wins. See README.md for the
        full table. Exit codes: 0 clean stop, 1 runtime failure, 64 bad configuration.

        USAGE: demo-server [serve] [--<setting> <value>]...
               demo-server healthcheck [--host <address>] [--port <port>] [--path <path>] [--timeout <seconds>]

        SUBCOMMANDS:
          serve (default)         Serve the demo page, static files and the visit API.
          healthcheck             Check that a server on this machine answers GET /livez with
                                  200 (exit 0), else exit 1.

        OPTIONS:
          --version               Show the version and the linked components.
          -h, --help              Show help information (also: demo-server help serve).

        """

    static var serve: String {
        var text = """
            OVERVIEW: Serve the demo page, static files and the visit API (the default command).

            USAGE: demo-server serve [--<setting> <value>]...

            Each setting is also an environment variable; the flag wins. Values are given as
            --name value or --name=value.

            OPTIONS:

            """
        for setting in Setting.allCases {
            let origin = setting.defaultValue.isEmpty
                ? "[env: \(setting.environmentName)]"
                : "[env: \(setting.environmentName), default: \(setting.defaultValue)]"
            text += option("--\(setting.flagName) <value>", "\(setting.help) \(origin)")
        }
        text += option("-h, --help", "Show help information.")
        return text
    }

    static var healthCheck: String {
        """
        OVERVIEW: Check that a server on this machine answers GET /livez with 200 (exit 0), else exit 1.

        USAGE: demo-server healthcheck [--host <address>] [--port <port>] [--path <path>] [--timeout <seconds>]

        OPTIONS:

        """
            + option("--host <address>", "Address the server listens on; 0.0.0.0 is dialled as 127.0.0.1, :: as ::1 (then 127.0.0.1). [env: HOST, default: 0.0.0.0]")
            + option("--port <port>", "Port of the server. [env: PORT, default: 8080]")
            + option("--path <path>", "Path to request. [default: /livez]")
            + option("--timeout <seconds>", "Seconds to wait for the answer. [default: 2]")
            + option("-h, --help", "Show help information.")
    }

    /// One option: its name, then its description from column 32, wrapped at 100 columns.
    private static func option(_ name: String, _ description: String) -> String {
        let indent = String(repeating: " ", count: 32)
        var lines: [String] = []
        var line = ""
        for word in description.split(separator: " ") {
            if !line.isEmpty && indent.count + line.count + 1 + word.count > 100 {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        lines.append(line)
        let first = "  " + name
        let head = first.count < indent.count - 1
            ? first + String(repeating: " ", count: indent.count - first.count) + lines[0]
            : first + "\n" + indent + lines[0]
        return ([head] + lines.dropFirst().map { indent + $0 }).joined(separator: "\n") + "\n"
    }
}
