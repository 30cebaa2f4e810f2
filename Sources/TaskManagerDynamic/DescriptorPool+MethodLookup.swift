extension DescriptorPool {
    /// The method `name` designates: its full name (`taskmanager.v1.TaskService/CreateTask`, also with a leading
    /// `/` or a `.` before the method), `Service/Method` (`TaskService/CreateTask`), or the method alone
    /// (`CreateTask`) when only one service has it.
    ///
    /// - Throws: `ProtoJSONError` `.unknownMethod` saying which methods come close, or which ones an ambiguous
    ///   short name could mean.
    public func method(named name: String) throws -> MethodDescriptor {
        let wanted = name.hasPrefix("/") ? String(name.dropFirst()) : name
        let matches = methods.filter { Self.names(of: $0).contains(wanted) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            let candidates = matches.map(\.fullName).joined(separator: ", ")
            throw ProtoJSONError(.unknownMethod, "Method \(name) is ambiguous: it may be \(candidates)")
        }
        let close = closeMethodNames(to: wanted)
        let hint = close.isEmpty ? "; `taskmanager call --list` lists them" : "; did you mean \(close.joined(separator: ", "))?"
        throw ProtoJSONError(.unknownMethod, "Unknown method \(name)\(hint)")
    }

    /// The ways a method may be written, longest first.
    private static func names(of method: MethodDescriptor) -> [String] {
        let service = method.serviceName.split(separator: ".").last.map(String.init) ?? method.serviceName
        return [method.fullName, "\(method.serviceName).\(method.name)", "\(service)/\(method.name)", method.name]
    }

    /// Full names of up to five methods whose name is within a few edits of `wanted`'s method part, or contains it.
    private func closeMethodNames(to wanted: String) -> [String] {
        let tail = String(wanted.split(whereSeparator: { $0 == "/" || $0 == "." }).last ?? "").lowercased()
        guard !tail.isEmpty else { return [] }
        let scored = methods.compactMap { method -> (Int, String)? in
            let name = method.name.lowercased()
            let distance = Self.editDistance(name, tail)
            let near = distance <= max(2, tail.count / 4) || name.contains(tail) || tail.contains(name)
            return near ? (distance, method.fullName) : nil
        }
        return scored.sorted { $0 < $1 }.prefix(5).map(\.1)
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }
}
