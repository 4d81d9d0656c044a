/**
 * All token pieces in one byte trie, stored in preorder: node `i` has a byte `label[i]`, a `depth[i]` (1 for
 * children of the root) and its subtree spans nodes `[i, end[i])`. A walk is then a single forward scan that
 * jumps over a subtree (`i = end[i]`) as soon as the grammar rejects its prefix; no child lists are needed.
 * The tokens whose piece ends at node `i` are `tokenIds[tokenStart[i] .. tokenStart[i + 1])`.
 */
export class TokenTrie {
  private constructor(
    readonly label: Uint8Array,
    readonly depth: Uint16Array,
    readonly end: Int32Array,
    readonly tokenStart: Int32Array,
    readonly tokenIds: Int32Array,
    readonly maxDepth: number,
  ) {}

  get nodeCount(): number {
    return this.label.length;
  }

  /** Builds the trie of the non-empty pieces (empty pieces, e.g. control tokens, are left out). */
  static build(pieces: readonly Uint8Array[]): TokenTrie {
    const ids: number[] = [];
    for (let i = 0; i < pieces.length; i++) if (pieces[i].length > 0) ids.push(i);
    ids.sort((a, b) => compareBytes(pieces[a], pieces[b]) || a - b);

    // Upper bound on nodes: total bytes. Shrunk at the end.
    let total = 0;
    for (const id of ids) total += pieces[id].length;
    const label = new Uint8Array(total);
    const depth = new Uint16Array(total);
    const end = new Int32Array(total);
    const tokenNode = new Int32Array(ids.length);
    const path: number[] = []; // node index at each depth - 1
    let count = 0;
    let prev: Uint8Array = new Uint8Array(0);
    let maxDepth = 0;
    ids.forEach((id, k) => {
      const piece = pieces[id];
      let common = 0;
      while (common < piece.length && common < prev.length && piece[common] === prev[common]) common++;
      // Close the nodes of the previous piece below the common prefix.
      while (path.length > common) end[path.pop()!] = count;
      for (let d = common; d < piece.length; d++) {
        label[count] = piece[d];
        depth[count] = d + 1;
        path.push(count);
        count++;
      }
      if (piece.length > maxDepth) maxDepth = piece.length;
      tokenNode[k] = path[piece.length - 1];
      prev = piece;
    });
    while (path.length > 0) end[path.pop()!] = count;

    const tokenStart = new Int32Array(count + 1);
    for (const node of tokenNode) tokenStart[node + 1]++;
    for (let i = 0; i < count; i++) tokenStart[i + 1] += tokenStart[i];
    const fill = tokenStart.slice(0, count);
    const tokenIds = new Int32Array(ids.length);
    ids.forEach((id, k) => {
      tokenIds[fill[tokenNode[k]]++] = id;
    });
    return new TokenTrie(
      label.slice(0, count),
      depth.slice(0, count),
      end.slice(0, count),
      tokenStart,
      tokenIds,
      maxDepth,
    );
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
