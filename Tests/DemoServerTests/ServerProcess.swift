import Foundation
import Synchronization

/// The real `demo-server` binary, run as a child process on a free port for one test.
///
/// Start-up is awaited by reading its stdout for the `listening ... port=N` line, never by sleeping.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let directory: String
    private(set) var port = 0
    private let output = Mutex<(stdout: String, stderr: String)>(("", ""))
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()

    /// The built `demo-server` next to the test bundle.
    static var binaryPath: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // Linux runs `…/debug/<package>PackageTests.xctest`; step out of any bundle directory.
        while directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("demo-server").path
    }

    /// The repository's `Public/` directory.
    static var repositoryPublicDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Public").path
    }

    /// Creates a process with its own temporary directory (database lives there).
    /// - Parameters:
    ///   - directory: Reuse an existing directory (to restart on the same database).
    init(directory: String? = nil) throws {
        if let directory {
            self.directory = directory
        } else {
            self.directory = NSTemporaryDirectory() + "demo-server-tests-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        }
    }

    var databasePath: String { directory + "/data/visits.sqlite" }

    var standardOutput: String { output.withLock { $0.stdout } }
    var standardError: String { output.withLock { $0.stderr } }

    /// Runs the binary with `arguments` and `environment` added to a clean environment, and waits
    /// for it to exit (for commands that are expected to stop by themselves).
    /// - Returns: The exit status.
    @discardableResult
    func runToExit(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 30) throws -> Int32 {
        try launch(arguments, environment: environment)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            throw ServerProcessError("process did not exit within \(timeout) s")
        }
        drainPipes()
        return process.terminationStatus
    }

    /// Starts `serve` on a free port and waits until it accepts connections.
    /// - Parameter arguments: The command line after the program name (none: `serve` by default).
    func start(_ arguments: [String] = [], environment: [String: String] = [:], timeout: Double = 30) throws {
        try launchServe(arguments, environment: environment)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let port = Self.listeningPort(in: standardOutput) {
                self.port = port
                return
            }
            guard process.isRunning else {
                throw ServerProcessError("server exited during start-up: \(standardError)\(standardOutput)")
            }
            usleep(5_000)
        }
        throw ServerProcessError("server did not start within \(timeout) s: \(standardOutput)")
    }

    /// Launches `serve` on a free port without waiting for it to listen (to signal it during
    /// start-up).
    func launchServe(_ arguments: [String] = [], environment: [String: String] = [:]) throws {
        var environment = environment
        environment["PORT"] = environment["PORT"] ?? "0"
        environment["HOST"] = environment["HOST"] ?? "127.0.0.1"
        environment["DATABASE_PATH"] = environment["DATABASE_PATH"] ?? databasePath
        environment["PUBLIC_DIR"] = environment["PUBLIC_DIR"] ?? Self.repositoryPublicDirectory
        try launch(arguments, environment: environment)
    }

    /// Whether the process's main thread blocks `signal` (its `SigBlk` in `/proc`).
    func blocksSignal(_ signal: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
            let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(signal - 1)) != 0
    }

    /// Sends a signal and waits for the process to exit.
    /// - Returns: The exit status, or the signal number when it was killed.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Double = 20) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        return waitForExit(timeout: timeout)
    }

    /// Waits for the process to exit after a signal already sent, without sending another: a
    /// second stop signal tells the server to skip its drain and exit 1.
    /// - Returns: The exit status, or the signal number when it was killed past `timeout`.
    @discardableResult
    func waitForExit(timeout: Double = 20) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        drainPipes()
        return process.terminationStatus
    }

    /// Stops the process if it still runs and removes the directory.
    func cleanUp() {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A command the binary is run through, e.g. `setpriv` to run it as another user.
    var launcher: [String] = []

    private func launch(_ arguments: [String], environment: [String: String]) throws {
        if let command = launcher.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(launcher.dropFirst()) + [Self.binaryPath] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binaryPath)
            process.arguments = arguments
        }
        var base = ["PATH": "/usr/bin:/bin"]
        base.merge(environment) { $1 }
        process.environment = base
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        stdoutPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.output.withLock { $0.stdout += String(decoding: data, as: UTF8.self) }
        }
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.output.withLock { $0.stderr += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    private func drainPipes() {
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        let restOut = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let restErr = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        output.withLock {
            $0.stdout += String(decoding: restOut, as: UTF8.self)
            $0.stderr += String(decoding: restErr, as: UTF8.self)
        }
    }

    private static func listeningPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("listening") {
            // Text lines say `port=8080`, JSON lines `"port":"8080"`.
            for marker in ["port=", "\"port\":\""] {
                if let range = line.range(of: marker) {
                    return Int(line[range.upperBound...].prefix { $0.isNumber })
                }
            }
        }
        return nil
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
