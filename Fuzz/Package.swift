// swift-tools-version:6.0
// libFuzzer targets for TaskManager: built only by `make fuzz` (scripts/fuzz), never by the main package's build.
// Each target is an executable whose `main` is libFuzzer's; scripts/fuzz builds them with
// `--sanitize=fuzzer --sanitize=address` into .build-fuzz. See docs/security.md#fuzzing.
import PackageDescription

// No `main` of our own: libFuzzer supplies it and calls `LLVMFuzzerTestOneInput`.
let fuzzSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "TaskManagerFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "TaskManager", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // The frame decoder, fed through NIO's ByteToMessageHandler in chunks the input chooses.
        .executableTarget(
            name: "fuzz-frames",
            dependencies: [
                .product(name: "TaskManagerProtocol", package: "TaskManager"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: fuzzSettings),
        // InboundFrame (server side) and InboundServerFrame (client side), against the value bridging.
        .executableTarget(
            name: "fuzz-envelope",
            dependencies: [
                .product(name: "TaskManagerProtocol", package: "TaskManager"),
                .product(name: "TaskManagerCore", package: "TaskManager"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: fuzzSettings),
        // Every request and response message of TaskService: decode, re-encode, decode again.
        .executableTarget(
            name: "fuzz-messages",
            dependencies: [
                .product(name: "TaskManagerProtocol", package: "TaskManager"),
                .product(name: "TaskManagerCore", package: "TaskManager"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: fuzzSettings),
        // JSONValue.parse and canonicalText.
        .executableTarget(
            name: "fuzz-json",
            dependencies: [.product(name: "TaskManagerCore", package: "TaskManager")],
            swiftSettings: fuzzSettings),
        // JSONSchemaValidator: arbitrary schemas and arbitrary documents.
        .executableTarget(
            name: "fuzz-schema",
            dependencies: [.product(name: "TaskManagerCore", package: "TaskManager")],
            swiftSettings: fuzzSettings),
    ]
)
