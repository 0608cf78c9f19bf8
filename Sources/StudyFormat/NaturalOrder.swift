/// Orders file names as a person would: `2.png` before `10.png`, `slice9` before `slice10`.
///
/// Names split into runs of digits and of other characters; digit runs compare by numeric value
/// (leading zeros ignored, so no overflow however long), other runs by Unicode scalars. Equal keys
/// fall back to the plain comparison, so the order is total and deterministic.
public enum NaturalOrder {
    public static func areInIncreasingOrder(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.unicodeScalars[...]
        var right = rhs.unicodeScalars[...]
        while let l = left.first, let r = right.first {
            if isDigit(l) && isDigit(r) {
                let leftRun = takeRun(&left, where: isDigit)
                let rightRun = takeRun(&right, where: isDigit)
                let leftValue = leftRun.drop { $0 == "0" }
                let rightValue = rightRun.drop { $0 == "0" }
                if leftValue.count != rightValue.count { return leftValue.count < rightValue.count }
                if !leftValue.elementsEqual(rightValue) { return leftValue.lexicographicallyPrecedes(rightValue) }
            } else {
                if l != r { return l.value < r.value }
                left.removeFirst()
                right.removeFirst()
            }
        }
        if left.isEmpty != right.isEmpty { return left.isEmpty }
        return lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars)
    }

    public static func sorted(_ names: [String]) -> [String] {
        names.sorted(by: areInIncreasingOrder)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }

    private static func takeRun(
        _ scalars: inout Substring.UnicodeScalarView.SubSequence, where predicate: (Unicode.Scalar) -> Bool
    ) -> [Unicode.Scalar] {
        let run = Array(scalars.prefix(while: predicate))
        scalars.removeFirst(run.count)
        return run
    }
}
