/// Gray-level morphology on 8-bit planes: running minimum / maximum over a rectangle, in
/// O(1) per pixel whatever the window (van Herk / Gil-Werman: prefix and suffix extrema
/// inside blocks of the window's length). Horizontal passes walk rows; vertical passes
/// walk whole rows at a time so memory is read in order.
enum Morphology {
    enum Operation { case minimum, maximum }

    /// The extremum, as a type, so each pass is compiled once per operation.
    protocol Extremum {
        static var identity: UInt8 { get }
        static func pick(_ a: UInt8, _ b: UInt8) -> UInt8
    }
    enum Lowest: Extremum {
        static var identity: UInt8 { 255 }
        @inline(__always) static func pick(_ a: UInt8, _ b: UInt8) -> UInt8 { min(a, b) }
    }
    enum Highest: Extremum {
        static var identity: UInt8 { 0 }
        @inline(__always) static func pick(_ a: UInt8, _ b: UInt8) -> UInt8 { max(a, b) }
    }

    /// `dst[x, y] = op(src[x-r...x+r, y])`, the window clipped at the edges.
    static func horizontal(
        _ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, width: Int, height: Int, radius r: Int,
        _ op: Operation
    ) {
        guard r > 0 else { return dst.update(from: src, count: width * height) }
        switch op {
        case .minimum: horizontal(src, dst, width: width, height: height, radius: r, Lowest.self)
        case .maximum: horizontal(src, dst, width: width, height: height, radius: r, Highest.self)
        }
    }

    static func vertical(
        _ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, width: Int, height: Int, radius r: Int,
        _ op: Operation, workspace: Workspace
    ) {
        guard r > 0 else { return dst.update(from: src, count: width * height) }
        switch op {
        case .minimum: vertical(src, dst, width: width, height: height, radius: r, Lowest.self, workspace: workspace)
        case .maximum: vertical(src, dst, width: width, height: height, radius: r, Highest.self, workspace: workspace)
        }
    }

    /// The window's length, 2r+1, and a line of `count` with `r` identity cells on each side,
    /// rounded up to whole windows (the blocks the prefix and suffix extrema run over).
    @inline(__always)
    private static func blocks(_ count: Int, radius r: Int) -> (window: Int, padded: Int) {
        let w = 2 * r + 1
        return (w, ((count + 2 * r + w - 1) / w) * w)
    }

    @inline(__always)
    private static func horizontal<E: Extremum>(
        _ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, width: Int, height: Int, radius r: Int,
        _: E.Type
    ) {
        let (w, padded) = blocks(width, radius: r)
        let identity = E.identity
        let line = UnsafeMutablePointer<UInt8>.allocate(capacity: padded)
        let prefix = UnsafeMutablePointer<UInt8>.allocate(capacity: padded)
        let suffix = UnsafeMutablePointer<UInt8>.allocate(capacity: padded)
        defer {
            line.deallocate()
            prefix.deallocate()
            suffix.deallocate()
        }
        line.initialize(repeating: identity, count: padded)
        for y in 0..<height {
            (line + r).update(from: src + y * width, count: width)
            var block = 0
            while block < padded {
                var acc = identity
                for i in block..<(block + w) {
                    let v = line[i]
                    acc = E.pick(acc, v)
                    prefix[i] = acc
                }
                acc = identity
                var i = block + w - 1
                while i >= block {
                    let v = line[i]
                    acc = E.pick(acc, v)
                    suffix[i] = acc
                    i -= 1
                }
                block += w
            }
            let out = dst + y * width
            for x in 0..<width { out[x] = E.pick(suffix[x], prefix[x + 2 * r]) }
        }
    }

    /// `dst[x, y] = op(src[x, y-r...y+r])`, the window clipped at the edges.
    @inline(__always)
    private static func vertical<E: Extremum>(
        _ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, width: Int, height: Int, radius r: Int,
        _: E.Type, workspace: Workspace
    ) {
        let (w, paddedRows) = blocks(height, radius: r)
        let identity = E.identity
        let prefix = workspace.take(paddedRows * width, slot: 0)
        let suffix = workspace.take(paddedRows * width, slot: 1)
        // Row i of the padded plane is source row i - r, or the identity outside the image.
        func sourceRow(_ i: Int) -> UnsafePointer<UInt8>? {
            let y = i - r
            return y >= 0 && y < height ? src + y * width : nil
        }
        func combine(_ into: UnsafeMutablePointer<UInt8>, _ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?) {
            guard let b else {
                into.update(from: a, count: width)
                return
            }
            for x in 0..<width { into[x] = E.pick(a[x], b[x]) }
        }
        var block = 0
        while block < paddedRows {
            for i in block..<(block + w) {
                let row = prefix + i * width
                if i == block {
                    if let s = sourceRow(i) {
                        row.update(from: s, count: width)
                    } else {
                        row.update(repeating: identity, count: width)
                    }
                } else {
                    combine(row, UnsafePointer(prefix + (i - 1) * width), sourceRow(i))
                }
            }
            var i = block + w - 1
            while i >= block {
                let row = suffix + i * width
                if i == block + w - 1 {
                    if let s = sourceRow(i) {
                        row.update(from: s, count: width)
                    } else {
                        row.update(repeating: identity, count: width)
                    }
                } else {
                    combine(row, UnsafePointer(suffix + (i + 1) * width), sourceRow(i))
                }
                i -= 1
            }
            block += w
        }
        for y in 0..<height {
            let a = suffix + y * width
            let b = prefix + (y + 2 * r) * width
            let out = dst + y * width
            for x in 0..<width { out[x] = E.pick(a[x], b[x]) }
        }
    }

    /// Both passes: `op` over the (2rx+1)×(2ry+1) rectangle around each pixel.
    static func rectangle(
        _ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>,
        width: Int, height: Int, rx: Int, ry: Int, _ op: Operation, workspace: Workspace
    ) {
        horizontal(src, scratch, width: width, height: height, radius: rx, op)
        vertical(scratch, dst, width: width, height: height, radius: ry, op, workspace: workspace)
    }

    /// Buffers reused from call to call (fresh large allocations cost page faults).
    final class Workspace {
        private var buffers: [UnsafeMutablePointer<UInt8>] = []
        private var sizes: [Int] = []

        init() {}

        deinit { for b in buffers { b.deallocate() } }

        func take(_ count: Int, slot: Int) -> UnsafeMutablePointer<UInt8> {
            while buffers.count <= slot {
                buffers.append(.allocate(capacity: 1))
                sizes.append(1)
            }
            if sizes[slot] < count {
                buffers[slot].deallocate()
                buffers[slot] = .allocate(capacity: count)
                sizes[slot] = count
            }
            return buffers[slot]
        }
    }
}
