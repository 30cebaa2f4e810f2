import TaskManagerCore
import TaskManagerDynamic
import XCTest

/// JSON that does not fit the message: each error names the field path as the JSON spells it, and says why.
final class ProtoJSONEncoderErrorTests: XCTestCase {
    private var encoder: ProtoJSONEncoder!

    override func setUpWithError() throws {
        encoder = ProtoJSONEncoder(pool: try AllKindsPool.make())
    }

    private func assertError(
        _ json: String, _ code: ProtoJSONError.Code, _ description: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        do {
            let bytes = try encoder.encode(JSONValue.parse(json), as: "test.AllKinds")
            XCTFail("encoded \(json) to \(bytes)", file: file, line: line)
        } catch let error as ProtoJSONError {
            XCTAssertEqual(error.code, code, error.description, file: file, line: line)
            XCTAssertEqual(error.description, description, file: file, line: line)
        }
    }

    func testUnknownFieldNamesItsPath() throws {
        try assertError(#"{"children": [{}, {}, {"priorty": 1}]}"#, .unknownField, "children[2].priorty: unknown field")
        try assertError(#"{"child": {"child": {"nme": "x"}}}"#, .unknownField, "child.child.nme: unknown field")
        try assertError(#"{"OneInt32": 1}"#, .unknownField, "OneInt32: unknown field")
    }

    func testWrongTypeNamesTheFieldAndTheExpectedType() throws {
        try assertError(
            #"{"oneInt32": "abc"}"#, .wrongType, "oneInt32: expected int32 (a number or a decimal string), got a string that is not a decimal integer")
        try assertError(#"{"oneInt32": 1.5}"#, .wrongType, "oneInt32: expected an integral int32, got number")
        try assertError(#"{"oneInt64": true}"#, .wrongType, "oneInt64: expected int64 (a number or a decimal string), got boolean")
        try assertError(#"{"oneString": 5}"#, .wrongType, "oneString: expected string, got integer")
        try assertError(#"{"oneBool": "true"}"#, .wrongType, "oneBool: expected bool (true or false), got string")
        try assertError(#"{"oneBytes": 1}"#, .wrongType, "oneBytes: expected bytes (a base64 string), got integer")
        try assertError(#"{"oneDouble": "fast"}"#, .wrongType, "oneDouble: expected double, got a string that is not a number")
        try assertError(#"{"child": []}"#, .wrongType, "child: expected a JSON object for test.Child, got array")
        try assertError(#"{"manyInt32": 5}"#, .wrongType, "manyInt32: expected a JSON array for repeated int32, got integer")
        try assertError(#"{"manyInt32": [1, null]}"#, .wrongType, "manyInt32[1]: expected int32 (a number or a decimal string), got null")
        try assertError(#"{"labels": {"a": true}}"#, .wrongType, #"labels["a"]: expected int64 (a number or a decimal string), got boolean"#)
        try assertError(#"{"labels": {"a": null}}"#, .wrongType, #"labels["a"]: a map value may not be null"#)
        try assertError(#"{"labels": []}"#, .wrongType, "labels: expected a JSON object for map<string, int64>, got array")
        try assertError(#"{"childByFlag": {"yes": {}}}"#, .wrongType, #"childByFlag["yes"]: expected a bool map key ("true" or "false")"#)
        try assertError(#"{"namesById": {"seven": "x"}}"#, .wrongType, #"namesById["seven"]: expected int32 (a number or a decimal string), got a string that is not a decimal integer"#)
        try assertError(#"{"color": true}"#, .wrongType, "color: expected enum test.Color (a value name or number), got boolean")
        try assertError("[]", .wrongType, "expected a JSON object for test.AllKinds, got array")
    }

    func testNumbersThatDoNotFitExactlyAreRefused() throws {
        try assertError(#"{"oneInt32": 2147483648}"#, .outOfRange, "oneInt32: out of range for int32")
        try assertError(#"{"oneInt32": "-2147483649"}"#, .outOfRange, "oneInt32: out of range for int32")
        try assertError(#"{"oneUint32": -1}"#, .outOfRange, "oneUint32: out of range for uint32")
        try assertError(#"{"oneUint64": "18446744073709551616"}"#, .outOfRange, "oneUint64: out of range for uint64")
        // The parser has already rounded 12345678901234567890 to a double: sending it would change the number.
        try assertError(#"{"oneUint64": 12345678901234567890}"#, .outOfRange, "oneUint64: an integer of 2^53 or more must be written as a string")
        try assertError(#"{"oneInt64": 9007199254740993.0}"#, .outOfRange, "oneInt64: an integer of 2^53 or more must be written as a string")
        try assertError(#"{"oneFloat": 1e39}"#, .outOfRange, "oneFloat: out of range for float")
        try assertError(#"{"color": 2147483648}"#, .outOfRange, "color: out of range for enum")
    }

    func testValuesOfTheRightKindThatCannotBeUsed() throws {
        try assertError(
            #"{"color": "COLOR_GREEN"}"#, .invalidValue, "color: unknown value of enum test.Color; one of: COLOR_UNSPECIFIED, COLOR_RED, COLOR_BLUE")
        try assertError(#"{"oneBytes": "!!"}"#, .invalidValue, "oneBytes: not valid base64")
        try assertError(#"{"byId": "1", "byName": "a"}"#, .invalidValue, "byName: only one field of oneof target may be set; byId is set too")
        try assertError(#"{"one_int32": 2, "oneInt32": 1}"#, .invalidValue, "one_int32: the same field as oneInt32")
    }
}
