/// The demo page: complete HTML rendered on the server, readable with JavaScript off.
enum DemoPage {
    /// What the page shows.
    struct Facts {
        var variant: String
        var visits: Int
        var uptimeSeconds: Int
        var userID: UInt32
        var groupID: UInt32
        var swiftVersion: String
        var appVersion: String
        var imageSizes: ImageSizes?
    }

    /// Renders the page; every value is escaped.
    /// - Parameter facts: The values to show.
    static func render(_ facts: Facts) -> String {
        let variant = facts.variant.htmlEscaped
        let user = facts.userID == 0 ? "root (uid 0)" : "uid \(facts.userID)"
        let userHint = facts.userID == 0 ? "fine on a laptop; avoid in a container" : "gid \(facts.groupID), not root"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Tiny Swift container · \(variant)</title>
            <meta name="description" content="A Swift web service in a tiny, hardened container image.">
            <link rel="icon" href="/favicon.svg" type="image/svg+xml">
            <link rel="stylesheet" href="/style.css">
            </head>
            <body>
            <header class="masthead">
            <img src="/favicon.svg" alt="" width="48" height="48">
            <div>
            <h1>Hello from a tiny Swift container</h1>
            <p class="lede">A Swift HTTP server on plain POSIX sockets, counting visits in SQLite, \
            shipped as a single static binary.</p>
            </div>
            </header>
            <main>
            <section aria-labelledby="facts-title" class="card">
            <h2 id="facts-title">This page was served by</h2>
            <p class="variant"><span class="badge">\(variant)</span> image</p>
            <dl class="facts">
            <div><dt>Visits</dt><dd id="visits">\(facts.visits)</dd><dd class="hint">this one included</dd></div>
            <div><dt>Uptime</dt><dd id="uptime">\(formatUptime(facts.uptimeSeconds))</dd></div>
            <div><dt>Running as</dt><dd id="user">\(user)</dd><dd class="hint">\(userHint)</dd></div>
            <div><dt>Swift</dt><dd id="swift">\(facts.swiftVersion.htmlEscaped)</dd><dd class="hint">server \(facts.appVersion.htmlEscaped)</dd></div>
            </dl>
            </section>
            <section aria-labelledby="sizes-title" class="card">
            <h2 id="sizes-title">How big is the image?</h2>
            \(sizesSection(facts))
            </section>
            <section aria-labelledby="explore-title" class="card">
            <h2 id="explore-title">Explore</h2>
            <ul class="links">
            <li><a href="/tutorial">The walkthrough</a>: from a 4 GB image to a few MB, step by step.</li>
            <li><a href="/basic">/basic</a>: the Flask original's one route, for comparison.</li>
            <li><a href="/api/visits">/api/visits</a>: the visit counts as JSON (POST to add one).</li>
            <li><a href="/livez">/livez</a> and <a href="/readyz">/readyz</a>: liveness and readiness.</li>
            <li><a href="/metrics">/metrics</a>: Prometheus metrics.</li>
            </ul>
            </section>
            </main>
            <footer><p>No JavaScript, no web fonts, no third-party requests: everything on this page came from \
            the container you are talking to.</p></footer>
            </body>
            </html>

            """
    }

    private static func sizesSection(_ facts: Facts) -> String {
        guard let sizes = facts.imageSizes, !sizes.images.isEmpty else {
            return """
                <p>No measurements yet. Run <code>scripts/compare-images.sh</code> to build the three images; \
                it writes <code>Public/image-sizes.json</code> and the chart appears here.</p>
                """
        }
        // The publisher's name only ("docker-library repo-info"); the tables in the walkthrough cite the rest.
        var sources: [String] = []
        for image in sizes.images {
            guard let source = image.withOfficialBase?.source.split(separator: "(").first else { continue }
            var name = source
            while name.last == " " { name = name.dropLast() }
            let publisher = String(name)
            if !sources.contains(publisher) { sources.append(publisher) }
        }
        let official = sources.isEmpty ? "" : " (\(sources.map(\.htmlEscaped).joined(separator: "; ")))"
        let standIn = sizes.images.contains { $0.baseIsStandIn == true }
            ? " Bars marked * are what the official base image gives: the image's own layers as measured plus the base's published size\(official); the size measured on this machine's local stand-in or replica follows."
            : ""
        return """
            <p>Uncompressed image sizes on a log scale, measured \(sizes.measuredAt.htmlEscaped) by \
            <code>scripts/compare-images.sh</code>, beside the original Flask tutorial's images.\(standIn)</p>
            \(ImageSizeChart.svg(for: sizes, currentVariant: facts.variant))
            """
    }

    /// `3d 4h`, `2h 5m`, `4m 10s`, `12s`.
    static func formatUptime(_ seconds: Int) -> String {
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3_600
        let minutes = seconds % 3_600 / 60
        let rest = seconds % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(rest)s" }
        return "\(rest)s"
    }
}
