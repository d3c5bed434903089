// RFC 9162 Merkle tree proofs, checked in the page with WebCrypto's SHA-256 (sections 2.1.3.2 and
// 2.1.4.2): a leaf is SHA-256(0x00 ‖ entry), an inner node SHA-256(0x01 ‖ left ‖ right).

import { equalBytes, sha256 } from "./encoding.js";

const odd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

export async function leafHash(bytes) {
  const data = new Uint8Array(bytes.length + 1);
  data.set(bytes, 1);
  return sha256(data);
}

async function node(left, right) {
  const data = new Uint8Array(65);
  data[0] = 1;
  data.set(left, 1);
  data.set(right, 33);
  return sha256(data);
}

// Whether `path` proves leaf `index` (hash `leaf`) in the tree of `size` leaves with root `root`.
export async function verifyInclusion(index, size, leaf, path, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = await node(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await node(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(r, root);
}

// Whether `path` proves the tree of `first` leaves (root `firstRoot`) a prefix of the tree of
// `second` leaves (root `secondRoot`).
export async function verifyConsistency(first, second, path, firstRoot, secondRoot) {
  if (first > second || first === 0) return false;
  if (first === second) return path.length === 0 && equalBytes(firstRoot, secondRoot);
  const proof = Number.isInteger(Math.log2(first)) ? [firstRoot, ...path] : [...path];
  if (!proof.length) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0];
  let sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await node(c, fr);
      sr = await node(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await node(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}
