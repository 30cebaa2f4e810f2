import TaskManagerDynamic

/// The text `taskmanager call --list` and `--describe` print.
enum CallOutput {
    /// Every service, then its methods with their request and response types, one per line.
    static func list(_ pool: DescriptorPool) -> String {
        var out = ""
        for service in pool.services {
            out += service.fullName + "\n"
            for method in service.methods { out += "  " + signature(method) + "\n" }
        }
        return out
    }

    /// The method's signature, then a table of the fields of its request and response messages and of every
    /// message and enum they use, each once.
    static func describe(_ method: MethodDescriptor, in pool: DescriptorPool) throws -> String {
        var out = method.serviceName + "/" + signature(method) + "\n"
        var pending = [method.inputType, method.outputType]
        var seen = Set<String>()
        while !pending.isEmpty {
            let name = pending.removeFirst()
            guard seen.insert(name).inserted else { continue }
            if let values = pool.enums[name]?.values {
                out += "\nenum \(name)\n" + values.map { "  \($0.name) = \($0.number)\n" }.joined()
                continue
            }
            let message = try pool.message(name)
            out += "\nmessage \(name)\n"
            var table = TableFormatter(headers: ["  FIELD", "TYPE", "NUMBER", "JSON"])
            for field in message.fields {
                table.append(["  " + field.name, pool.typeDescription(of: field), String(field.number), field.jsonName])
                if let (_, value) = pool.mapEntry(of: field) {
                    if !value.typeName.isEmpty { pending.append(value.typeName) }
                } else if !field.typeName.isEmpty {
                    pending.append(field.typeName)
                }
            }
            out += message.fields.isEmpty ? "  (no fields)\n" : table.render() + "\n"
        }
        return out
    }

    /// `CreateTask(taskmanager.v1.CreateTaskRequest) returns (taskmanager.v1.CreateTaskResponse)`.
    private static func signature(_ method: MethodDescriptor) -> String {
        let input = (method.clientStreaming ? "stream " : "") + method.inputType
        let output = (method.serverStreaming ? "stream " : "") + method.outputType
        return "\(method.name)(\(input)) returns (\(output))"
    }
}
