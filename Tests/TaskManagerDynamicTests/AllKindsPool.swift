import TaskManagerDynamic

/// A pool with one message, `test.AllKinds`, that has a field of every kind: each scalar singular and repeated,
/// maps with string, integer and bool keys, a nested message, an enum, a oneof and a proto3 `optional` field.
enum AllKindsPool {
    /// The scalar kinds, numbered 1...; the repeated form of kind N is field 100 + N, named `many_<kind>`.
    static let scalarKinds: [FieldDescriptor.Kind] = [
        .double, .float, .int64, .uint64, .int32, .fixed64, .fixed32, .bool, .string, .bytes, .uint32, .sfixed32,
        .sfixed64, .sint32, .sint64,
    ]

    static func make() throws -> DescriptorPool {
        var fields: [FieldDescriptor] = []
        for (index, kind) in scalarKinds.enumerated() {
            fields.append(FieldDescriptor(name: "one_\(kind.protoName)", number: index + 1, kind: kind))
            fields.append(FieldDescriptor(name: "many_\(kind.protoName)", number: 101 + index, kind: kind, isRepeated: true))
        }
        fields += [
            FieldDescriptor(name: "color", number: 50, kind: .enumeration, typeName: "test.Color"),
            FieldDescriptor(name: "colors", number: 51, kind: .enumeration, isRepeated: true, typeName: "test.Color"),
            FieldDescriptor(name: "child", number: 52, kind: .message, typeName: "test.Child"),
            FieldDescriptor(name: "children", number: 53, kind: .message, isRepeated: true, typeName: "test.Child"),
            FieldDescriptor(name: "labels", number: 54, kind: .message, isRepeated: true, typeName: "test.AllKinds.LabelsEntry"),
            FieldDescriptor(name: "names_by_id", number: 55, kind: .message, isRepeated: true, typeName: "test.AllKinds.NamesByIdEntry"),
            FieldDescriptor(name: "child_by_flag", number: 56, kind: .message, isRepeated: true, typeName: "test.AllKinds.ChildByFlagEntry"),
            FieldDescriptor(name: "by_name", number: 60, kind: .string, oneofIndex: 0),
            FieldDescriptor(name: "by_id", number: 61, kind: .int64, oneofIndex: 0),
            FieldDescriptor(name: "maybe", number: 62, kind: .int32, oneofIndex: 1, hasPresence: true),
            FieldDescriptor(name: "loose", number: 63, kind: .int32, isRepeated: true, isPacked: false),
        ]
        let entry = { (name: String, key: FieldDescriptor.Kind, value: FieldDescriptor.Kind, valueType: String) in
            MessageDescriptor(
                fullName: "test.AllKinds.\(name)",
                fields: [
                    FieldDescriptor(name: "key", number: 1, kind: key),
                    FieldDescriptor(name: "value", number: 2, kind: value, typeName: valueType),
                ], isMapEntry: true)
        }
        return try DescriptorPool(
            messages: [
                MessageDescriptor(fullName: "test.AllKinds", fields: fields, oneofNames: ["target", "_maybe"]),
                MessageDescriptor(
                    fullName: "test.Child",
                    fields: [
                        FieldDescriptor(name: "name", number: 1, kind: .string),
                        FieldDescriptor(name: "priority", number: 2, kind: .int32),
                        FieldDescriptor(name: "child", number: 3, kind: .message, typeName: "test.Child"),
                    ]),
                entry("LabelsEntry", .string, .int64, ""),
                entry("NamesByIdEntry", .int32, .string, ""),
                entry("ChildByFlagEntry", .bool, .message, "test.Child"),
            ],
            enums: [
                EnumDescriptor(
                    fullName: "test.Color",
                    values: [.init(name: "COLOR_UNSPECIFIED", number: 0), .init(name: "COLOR_RED", number: 1), .init(name: "COLOR_BLUE", number: 2)])
            ])
    }
}
