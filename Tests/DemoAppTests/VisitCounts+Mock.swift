import DemoApp

extension VisitCounts {
    /// What a `recordVisit` acknowledgement promises: the total and the recorded variant's count
    /// (other variants may be left out).
    func acknowledged(_ variant: String) -> (total: Int, count: Int?) {
        (total, byVariant[variant])
    }
}
