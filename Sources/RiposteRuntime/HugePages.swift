// Transparent huge pages for large, randomly read arrays (the intel index): one TLB entry covers 2 MiB
// instead of 4 KiB, so a lookup that touches a few far-apart places in hundreds of megabytes stops
// paying a page walk for each.
import Glibc

/// Best-effort huge-page backing for memory that is already written.
package enum HugePages {
    static let size = 2 << 20
    /// Arrays smaller than this are left alone: they hold no whole huge page worth the system call.
    static let minimumBytes = 8 << 20

    /// Asks the kernel to back the 2 MiB-aligned interior of `bytes` with huge pages now
    /// (`MADV_HUGEPAGE`, then `MADV_COLLAPSE`, Linux 6.1+). Errors (an older kernel, THP off, no
    /// contiguous memory) leave the memory as it was.
    package static func advise(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count >= minimumBytes else { return }
        let start = (Int(bitPattern: base) + size - 1) & ~(size - 1)
        let end = (Int(bitPattern: base) + bytes.count) & ~(size - 1)
        guard end > start, let region = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(region, end - start, 14)  // MADV_HUGEPAGE
        _ = madvise(region, end - start, 25)  // MADV_COLLAPSE
    }

    /// `advise` for an array's storage.
    package static func advise<Element>(_ array: [Element]) {
        array.withUnsafeBytes { advise($0) }
    }
}
