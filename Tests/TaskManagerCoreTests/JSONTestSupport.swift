import TaskManagerCore

/// The violations of the JSON text `value` against the JSON text `schema`.
func schemaErrors(_ value: String, _ schema: String) throws -> [String] {
    JSONSchemaValidator.validate(try JSONValue.parse(value), against: try JSONValue.parse(schema))
}
