import CNettle

/// SHA-256 (GNU Nettle's `sha256_*`).
public struct SHA256: ~Copyable {
    private var context = sha256_ctx()

    public init() { nettle_sha256_init(&context) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        nettle_sha256_update(&context, bytes.count, base.assumingMemoryBound(to: UInt8.self))
    }

    public consuming func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_SIZE))
        digest.withUnsafeMutableBufferPointer { nettle_sha256_digest(&context, $0.count, $0.baseAddress) }
        return digest
    }

    /// The digest of `bytes` as lowercase hex.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        Array(bytes).withUnsafeBytes { hasher.update($0) }
        return Hex.encode(hasher.finalize())
    }

    /// The digest of a file's content as lowercase hex, read in 64 KiB pieces.
    public static func hex(ofFileDescriptor fd: Int32) throws -> String {
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try chunk.withUnsafeMutableBytes { raw in try Syscall.read(fd, into: raw) }
            if n == 0 { break }
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return Hex.encode(hasher.finalize())
    }
}

/// HMAC-SHA256 (GNU Nettle's `hmac_sha256_*`), for signing webhook bodies.
public enum HMACSHA256 {
    public static func hex(key: some Sequence<UInt8>, message: some Sequence<UInt8>) -> String {
        var context = hmac_sha256_ctx()
        let key = Array(key)
        let message = Array(message)
        key.withUnsafeBufferPointer { nettle_hmac_sha256_set_key(&context, $0.count, $0.baseAddress) }
        message.withUnsafeBufferPointer { nettle_hmac_sha256_update(&context, $0.count, $0.baseAddress) }
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_SIZE))
        digest.withUnsafeMutableBufferPointer { nettle_hmac_sha256_digest(&context, $0.count, $0.baseAddress) }
        return Hex.encode(digest)
    }
}

public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
