import Foundation
@testable import TaskManagerStore
import XCTest

/// The VFS every connection opens with writes a transaction's WAL frames in one write at its commit, and what it
/// writes reads back the same, to other connections and after a reopen.
final class WALBufferTests: XCTestCase {
    private var directory: URL!
    private var path: String { directory.appendingPathComponent("wal.db").path }

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("walbuffer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testACommitOfManyPagesIsOneWALWrite() throws {
        let db = try SQLiteConnection(path: path, synchronous: .normal)
        try db.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        try insert(1..<10, on: db)  // the first frames of a handle are written as they come
        let before = SQLiteConnection.walWriteCount
        // About 40 pages of rows in one transaction: 80 writes (a header and a page per frame) without the buffer.
        try insert(10..<50, on: db)
        XCTAssertEqual(SQLiteConnection.walWriteCount - before, 1, "one write for the whole commit")
    }

    func testWhatIsWrittenReadsBackFromAnotherConnectionAndAfterAReopen() throws {
        var db: SQLiteConnection? = try SQLiteConnection(path: path, synchronous: .normal)
        try db!.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        let reader = try SQLiteConnection(path: path, readOnly: true)
        for batch in 0..<50 {
            try insert((batch * 20)..<(batch * 20 + 20), on: db!)
            XCTAssertEqual(try count(reader), (batch + 1) * 20)
        }
        // A transaction larger than the buffer's limit, written in several parts.
        try insert(1_000..<1_400, on: db!)
        XCTAssertEqual(try count(reader), 1_400)
        XCTAssertEqual(try db!.prepare("PRAGMA integrity_check").firstRow { $0.string(at: 0) }, "ok")
        db = nil
        let reopened = try SQLiteConnection(path: path, synchronous: .normal)
        XCTAssertEqual(try count(reopened), 1_400)
        XCTAssertEqual(try reopened.prepare("SELECT text FROM rows WHERE id = 1399").firstRow { $0.string(at: 0) },
                       String(repeating: "1399.", count: 600))
    }

    /// Rows of about 3 KB: one page each, more or less.
    private func insert(_ ids: Range<Int>, on db: SQLiteConnection) throws {
        try db.run("BEGIN IMMEDIATE")
        for id in ids {
            try db.prepare("INSERT INTO rows (id, text) VALUES (?1, ?2)").run([Int64(id), String(repeating: "\(id).", count: 600)])
        }
        try db.run("COMMIT")
    }

    private func count(_ db: SQLiteConnection) throws -> Int {
        Int(try db.prepare("SELECT count(*) FROM rows").firstRow { $0.int64(at: 0) } ?? 0)
    }
}
