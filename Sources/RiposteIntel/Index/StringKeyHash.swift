// The 64-bit hash keying domains, URLs and emails: FNV-1a over the bytes taken last-to-first, so
// every domain suffix's hash falls out of one backward pass over the observable.

enum StringKeyHash {
    static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Feeds one more byte, walking backwards from the end of the text.
    @inline(__always)
    static func step(_ state: UInt64, _ byte: UInt8) -> UInt64 {
        (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// Mixes the running state into the stored key (murmur3's fmix64), so nearby texts spread apart.
    @inline(__always)
    static func finish(_ state: UInt64) -> UInt64 {
        var value = state
        value ^= value >> 33
        value &*= 0xFF51_AFD7_ED55_8CCD
        value ^= value >> 33
        value &*= 0xC4CE_B9FE_1A85_EC53
        value ^= value >> 33
        return value
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var state = seed
        for byte in bytes.reversed() { state = step(state, byte) }
        return finish(state)
    }
}
