/// Region labels joined into sets, for connected-component labelling (union-find with path
/// compression): each set is named by its root label, and labels are 0, 1, 2, … in creation order.
struct LabelSets {
    private var parent: [Int] = []

    var count: Int { parent.count }

    /// A new label, in a set of its own.
    mutating func makeLabel() -> Int {
        parent.append(parent.count)
        return parent.count - 1
    }

    /// Forgets every label, keeping the storage.
    mutating func removeAll() {
        parent.removeAll(keepingCapacity: true)
    }

    func isRoot(_ label: Int) -> Bool { parent[label] == label }

    /// The root of `label`'s set; the labels on the way are pointed at it directly.
    mutating func root(of label: Int) -> Int {
        var root = label
        while parent[root] != root { root = parent[root] }
        var node = label
        while parent[node] != root {
            let next = parent[node]
            parent[node] = root
            node = next
        }
        return root
    }

    /// Joins the set of root `child` into the set of root `root`.
    mutating func attach(_ child: Int, to root: Int) {
        parent[child] = root
    }
}
