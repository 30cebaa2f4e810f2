/// The answer of a read that must not wait: the value, or word that getting it would mean waiting (for a busy
/// connection, a queue, the network), so that the caller takes its asynchronous path instead.
public enum ImmediateRead<Value: Sendable>: Sendable {
    case value(Value)
    case wouldWait
}
