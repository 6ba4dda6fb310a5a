// Port: configured intel feeds and their polling state.

/// Feeds as stored.
public protocol FeedStore: Sendable {
    /// - Throws: `.conflict` when the name is taken.
    func createFeed(_ feed: FeedDefinition) async throws
    /// Replaces the definition; the state is kept. - Throws: `.notFound`.
    func updateFeed(_ feed: FeedDefinition) async throws
    /// Removes the feed (its indicators stay). - Throws: `.notFound`.
    func deleteFeed(named name: String) async throws
    /// Every feed, by name.
    func feeds() async throws -> [FeedRecord]
    func feed(named name: String) async throws -> FeedRecord?
    /// Records a poll's outcome. - Throws: `.notFound`.
    func recordFeedState(named name: String, _ state: FeedState) async throws
}
