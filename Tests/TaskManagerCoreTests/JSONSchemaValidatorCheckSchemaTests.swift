import TaskManagerCore
import XCTest

final class JSONSchemaValidatorCheckSchemaTests: XCTestCase {
    func testObjectWithTypeIsAcceptable() throws {
        XCTAssertNil(JSONSchemaValidator.checkSchema(try JSONValue.parse(#"{"type":"object","properties":{}}"#)))
    }

    func testNonObjectSchemaIsAnInvalidFormat() throws {
        for text in [#""{}""#, "[]", "1", "null", #"[{"type":"object"}]"#] {
            XCTAssertEqual(
                JSONSchemaValidator.checkSchema(try JSONValue.parse(text)), "Invalid JSON schema format", text)
        }
    }

    func testObjectWithoutTypeIsRejected() throws {
        XCTAssertEqual(
            JSONSchemaValidator.checkSchema(try JSONValue.parse(#"{"properties":{}}"#)),
            #"JSON schema must have a "type" property"#)
    }

    func testTypeWithNullValueCountsAsMissing() throws {
        XCTAssertEqual(
            JSONSchemaValidator.checkSchema(try JSONValue.parse(#"{"type":null}"#)),
            #"JSON schema must have a "type" property"#)
    }
}
