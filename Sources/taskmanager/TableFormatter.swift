/// Renders rows of text as columns aligned with two spaces, under a header row.
struct TableFormatter {
    var headers: [String]
    var rows: [[String]] = []

    init(headers: [String]) {
        self.headers = headers
    }

    mutating func append(_ row: [String]) {
        rows.append(row.map(Self.singleLine))
    }

    /// The table, one line per row; the last column is not padded so lines carry no trailing spaces.
    func render() -> String {
        let all = [headers] + rows
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.rightPadded(to: widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    private static func singleLine(_ cell: String) -> String {
        String(cell.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}

extension String {
    /// The string followed by spaces up to `width` characters.
    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
