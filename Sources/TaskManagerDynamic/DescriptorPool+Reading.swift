extension DescriptorPool {
    /// Reads a serialized `google.protobuf.FileDescriptorSet` (protoc's `--descriptor_set_out`, or the server's
    /// `Reflection/GetFileDescriptorSet`).
    ///
    /// Only the parts of `descriptor.proto` the JSON mapping needs are read: names, fields (number, label, type,
    /// type name, JSON name, oneof, `packed`, proto3 `optional`), nested types, enums, map entries and services;
    /// options, comments and the rest are skipped.
    /// - Throws: `ProtoJSONError` `.invalidDescriptor` when the bytes are not a descriptor set or refer to a type
    ///   they do not define.
    public init(fileDescriptorSet bytes: [UInt8]) throws {
        var reader = DescriptorSetReader()
        do {
            for field in try WireField.read(bytes, path: "") where field.number == 1 {
                try reader.readFile(field.bytes(path: ""))
            }
        } catch let error as ProtoJSONError where error.code == .invalidWire {
            throw ProtoJSONError(.invalidDescriptor, "Not a FileDescriptorSet: \(error.message)")
        }
        try self.init(messages: reader.messages, enums: reader.enums, services: reader.services)
    }
}

/// The walk over `descriptor.proto` messages behind `DescriptorPool.init(fileDescriptorSet:)`; field numbers are
/// those of `google/protobuf/descriptor.proto`.
private struct DescriptorSetReader {
    var messages: [MessageDescriptor] = []
    var enums: [EnumDescriptor] = []
    var services: [ServiceDescriptor] = []

    /// `FileDescriptorProto`: package = 2, message_type = 4, enum_type = 5, service = 6, syntax = 12.
    mutating func readFile(_ bytes: [UInt8]) throws {
        let fields = try WireField.read(bytes, path: "")
        var package = ""
        var syntax = ""
        for field in fields {
            switch field.number {
            case 2: package = try field.string(path: "")
            case 12: syntax = try field.string(path: "")
            default: break
            }
        }
        let scope = package.isEmpty ? "" : package + "."
        for field in fields {
            switch field.number {
            case 4: try readMessage(field.bytes(path: ""), scope: scope, proto3: syntax == "proto3")
            case 5: try readEnum(field.bytes(path: ""), scope: scope)
            case 6: try readService(field.bytes(path: ""), scope: scope)
            default: break
            }
        }
    }

    /// `DescriptorProto`: name = 1, field = 2, nested_type = 3, enum_type = 4, options = 7 (`map_entry` = 7),
    /// oneof_decl = 8 (name = 1).
    mutating func readMessage(_ bytes: [UInt8], scope: String, proto3: Bool) throws {
        let fields = try WireField.read(bytes, path: "")
        let name = try fields.last { $0.number == 1 }?.string(path: "") ?? ""
        let fullName = scope + name
        var descriptors: [FieldDescriptor] = []
        var oneofNames: [String] = []
        var isMapEntry = false
        for field in fields {
            switch field.number {
            case 2: descriptors.append(try readField(field.bytes(path: ""), proto3: proto3))
            case 3: try readMessage(field.bytes(path: ""), scope: fullName + ".", proto3: proto3)
            case 4: try readEnum(field.bytes(path: ""), scope: fullName + ".")
            case 7:
                for option in try WireField.read(field.bytes(path: ""), path: "") where option.number == 7 {
                    isMapEntry = try option.varint(path: "") != 0
                }
            case 8:
                let oneof = try WireField.read(field.bytes(path: ""), path: "")
                oneofNames.append(try oneof.last { $0.number == 1 }?.string(path: "") ?? "")
            default: break
            }
        }
        messages.append(MessageDescriptor(fullName: fullName, fields: descriptors, oneofNames: oneofNames, isMapEntry: isMapEntry))
    }

    /// `FieldDescriptorProto`: name = 1, number = 3, label = 4 (3 = repeated), type = 5, type_name = 6,
    /// options = 8 (`packed` = 2), oneof_index = 9, json_name = 10, proto3_optional = 17.
    func readField(_ bytes: [UInt8], proto3: Bool) throws -> FieldDescriptor {
        var name = ""
        var jsonName: String?
        var number = 0
        var label: UInt64 = 1
        var type: UInt64 = 0
        var typeName = ""
        var oneofIndex: Int?
        var packed: Bool?
        var proto3Optional = false
        for field in try WireField.read(bytes, path: "") {
            switch field.number {
            case 1: name = try field.string(path: "")
            case 3: number = Int(truncatingIfNeeded: try field.varint(path: ""))
            case 4: label = try field.varint(path: "")
            case 5: type = try field.varint(path: "")
            case 6: typeName = try field.string(path: "")
            case 8:
                for option in try WireField.read(field.bytes(path: ""), path: "") where option.number == 2 {
                    packed = try option.varint(path: "") != 0
                }
            case 9: oneofIndex = Int(truncatingIfNeeded: try field.varint(path: ""))
            case 10: jsonName = try field.string(path: "")
            case 17: proto3Optional = try field.varint(path: "") != 0
            default: break
            }
        }
        guard let kind = FieldDescriptor.Kind(rawValue: Int(truncatingIfNeeded: type)) else {
            throw ProtoJSONError(.invalidDescriptor, "Field \(name) has unknown type \(type)")
        }
        if typeName.hasPrefix(".") { typeName.removeFirst() }
        return FieldDescriptor(
            name: name, jsonName: jsonName, number: number, kind: kind, isRepeated: label == 3, typeName: typeName,
            oneofIndex: oneofIndex, isPacked: packed ?? proto3,
            hasPresence: kind == .message || oneofIndex != nil || proto3Optional || !proto3)
    }

    /// `EnumDescriptorProto`: name = 1, value = 2 (`EnumValueDescriptorProto`: name = 1, number = 2).
    mutating func readEnum(_ bytes: [UInt8], scope: String) throws {
        var name = ""
        var values: [EnumDescriptor.Value] = []
        for field in try WireField.read(bytes, path: "") {
            switch field.number {
            case 1: name = try field.string(path: "")
            case 2:
                var value = EnumDescriptor.Value(name: "", number: 0)
                for part in try WireField.read(field.bytes(path: ""), path: "") {
                    if part.number == 1 { value.name = try part.string(path: "") }
                    if part.number == 2 { value.number = Int32(truncatingIfNeeded: try part.varint(path: "")) }
                }
                values.append(value)
            default: break
            }
        }
        enums.append(EnumDescriptor(fullName: scope + name, values: values))
    }

    /// `ServiceDescriptorProto`: name = 1, method = 2 (`MethodDescriptorProto`: name = 1, input_type = 2,
    /// output_type = 3, client_streaming = 5, server_streaming = 6).
    mutating func readService(_ bytes: [UInt8], scope: String) throws {
        let fields = try WireField.read(bytes, path: "")
        let serviceName = scope + (try fields.last { $0.number == 1 }?.string(path: "") ?? "")
        var methods: [MethodDescriptor] = []
        for field in fields where field.number == 2 {
            var method = MethodDescriptor(name: "", serviceName: serviceName, inputType: "", outputType: "")
            for part in try WireField.read(field.bytes(path: ""), path: "") {
                switch part.number {
                case 1: method.name = try part.string(path: "")
                case 2: method.inputType = String(try part.string(path: "").drop { $0 == "." })
                case 3: method.outputType = String(try part.string(path: "").drop { $0 == "." })
                case 5: method.clientStreaming = try part.varint(path: "") != 0
                case 6: method.serverStreaming = try part.varint(path: "") != 0
                default: break
                }
            }
            methods.append(method)
        }
        services.append(ServiceDescriptor(fullName: serviceName, methods: methods))
    }
}
