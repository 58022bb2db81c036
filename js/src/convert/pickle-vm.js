// A restricted pickle reader. It understands the opcodes torch.save writes (protocol 2, plus the
// protocol 3-5 opcodes for bytes, short strings, memoize and framing) and builds plain JS values:
//   None -> null, bool, int -> number (BigInt beyond 2^53), float -> number, str -> string,
//   bytes -> Uint8Array (a copy), tuple and list -> Array, dict -> Map.
// It never imports or calls anything the file names. A GLOBAL / STACK_GLOBAL reference is looked
// up in the caller's `globals` Map (a Map, so names like "__proto__" cannot reach Object.prototype);
// the only callables a file can reach are the JS stand-ins in that Map, and any name not in it is
// refused with UnsafeModelFileError the moment it is read, before any later opcode runs. Opcodes
// that construct objects outside that route (INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4) are refused too.
// Opcode values and argument layouts follow CPython's Lib/pickletools.py opcode table.
//
// Hostile pickles are also bounded in what they can make the reader do: the limits below cap the
// stack, container sizes and nesting, REDUCE argument counts, the memo and integer widths, so the
// work and memory stay proportional to a real state dict whatever the file claims. The reader
// never recurses into values and never spreads a file-sized array into a call, and messages
// describe values by type and size instead of stringifying them.
import { ModelFormatError, UnsafeModelFileError, describeUntrusted, quoteUntrusted } from '../errors.js';

const FORMAT_HINT = 'The file is damaged or was not written by torch.save: re-save it with '
  + 'torch.save(model.state_dict(), path), or use the model\'s model.safetensors.';
const UNSAFE_HINT = 'gmatrix-embed never runs code from model files. Use the model\'s model.safetensors, '
  + 'or convert this file to safetensors in an environment you trust.';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Limits per pickle. torch.save of a state dict needs a few values per tensor: tens of thousands
 * for the largest models, stack and marks a few deep (pickle batches APPENDS/SETITEMS by 1000).
 */
export const PICKLE_LIMITS = Object.freeze({
  /** values on the stack at once */
  maxStackItems: 1_000_000,
  /** open MARKs at once, and containers nested inside one another (as built) */
  maxDepth: 100,
  /** items one list or dict may hold */
  maxContainerItems: 1_000_000,
  /** containers created plus items put into containers, over the whole pickle */
  maxTotalItems: 10_000_000,
  /** arguments of one REDUCE call (torch's rebuild functions take at most 6) */
  maxCallArgs: 16,
  /** memo slots */
  maxMemoEntries: 1_000_000,
  /** bytes of one LONG1/LONG4 integer (torch writes at most 8; decoding is quadratic in this) */
  maxIntegerBytes: 64,
});

/**
 * @param {Uint8Array} bytes  one pickle, ending in STOP
 * @param {{
 *   globals: Map<string, unknown>,            // "module.name" -> stand-in; everything else is refused
 *   persistentLoad?: (pid: unknown) => unknown, // BINPERSID
 *   build?: (obj: unknown, state: unknown) => void, // BUILD; absent -> refused as a format error
 *   label?: string,                            // names the file in error messages
 * }} hooks
 * @returns {unknown} the unpickled value
 */
export function unpickle(bytes, hooks) {
  return new Unpickler(bytes, hooks).run();
}

class Unpickler {
  constructor(bytes, hooks) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.hooks = hooks;
    this.label = hooks.label ?? 'pickle';
    this.pos = 0;
    this.opPos = 0;
    this.stack = [];
    this.marks = []; // stack heights at each MARK; items below the top mark are out of reach
    this.memo = new Map();
    this.globalNames = new WeakMap(); // stand-in -> "module.name", for messages only
    this.depths = new WeakMap(); // container -> nesting depth when built (absent: 1)
    this.totalItems = 0;
  }

  run() {
    const { view } = this;
    while (this.pos < this.bytes.length) {
      this.opPos = this.pos;
      const op = this.bytes[this.pos++];
      switch (op) {
        // --- framing and control
        case 0x80: { // PROTO
          const version = this.u8();
          if (version > 5) throw this.fail(`pickle protocol ${version} is newer than any Python writes`);
          break;
        }
        case 0x95: this.take(8); break; // FRAME: a length hint only
        case 0x2e: return this.pop(); // STOP
        case 0x28: this.mark(); break; // MARK
        case 0x30: // POP (pops the mark itself when nothing is above it, as CPython does)
          if (this.stack.length > this.base()) this.stack.pop();
          else this.popMark();
          break;
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.push(this.top()); break; // DUP

        // --- constants, numbers, strings
        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4a: this.push(view.getInt32(this.take(4), true)); break; // BININT
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(view.getUint16(this.take(2), true)); break; // BININT2
        case 0x8a: this.push(decodeLong(this.bytesOf(this.u8()))); break; // LONG1
        case 0x8b: this.push(decodeLong(this.bytesOf(this.integerLength()))); break; // LONG4
        case 0x47: this.push(view.getFloat64(this.take(8), false)); break; // BINFLOAT (big-endian)
        case 0x58: this.push(this.text(this.u32())); break; // BINUNICODE
        case 0x8c: this.push(this.text(this.u8())); break; // SHORT_BINUNICODE
        case 0x8d: this.push(this.text(this.u64())); break; // BINUNICODE8
        case 0x42: this.push(this.container(new Uint8Array(this.bytesOf(this.u32())), [])); break; // BINBYTES
        case 0x43: this.push(this.container(new Uint8Array(this.bytesOf(this.u8())), [])); break; // SHORT_BINBYTES
        case 0x8e: this.push(this.container(new Uint8Array(this.bytesOf(this.u64())), [])); break; // BINBYTES8

        // --- tuples, lists, dicts
        case 0x29: this.push(this.container([], [])); break; // EMPTY_TUPLE
        case 0x74: this.push(this.sequence(this.popMark())); break; // TUPLE
        case 0x85: this.push(this.sequence(this.popN(1))); break; // TUPLE1
        case 0x86: this.push(this.sequence(this.popN(2))); break; // TUPLE2
        case 0x87: this.push(this.sequence(this.popN(3))); break; // TUPLE3
        case 0x5d: this.push(this.container([], [])); break; // EMPTY_LIST
        case 0x6c: this.push(this.sequence(this.popMark())); break; // LIST
        case 0x61: { // APPEND
          const item = this.pop();
          this.appendItems(this.list(this.top()), [item]);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.popMark();
          this.appendItems(this.list(this.top()), items);
          break;
        }
        case 0x7d: this.push(this.container(new Map(), [])); break; // EMPTY_DICT
        case 0x64: { // DICT
          const dict = this.container(new Map(), []);
          this.setPairs(dict, this.popMark());
          this.push(dict);
          break;
        }
        case 0x73: { // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.setPairs(this.dict(this.top()), [key, value]);
          break;
        }
        case 0x75: { // SETITEMS
          const items = this.popMark();
          this.setPairs(this.dict(this.top()), items);
          break;
        }

        // --- memo
        case 0x71: this.remember(this.u8()); break; // BINPUT
        case 0x72: this.remember(this.u32()); break; // LONG_BINPUT
        case 0x94: this.remember(this.memo.size); break; // MEMOIZE
        case 0x68: this.push(this.recall(this.u8())); break; // BINGET
        case 0x6a: this.push(this.recall(this.u32())); break; // LONG_BINGET

        // --- the only ways to reach a callable: allow-listed globals
        case 0x63: { // GLOBAL "module\nname\n"
          const module = this.line();
          this.push(this.global(module, this.line()));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') {
            throw this.fail('STACK_GLOBAL operands are not strings');
          }
          this.push(this.global(module, name));
          break;
        }
        case 0x52: { // REDUCE: callable(*args), where callable can only be an allow-listed stand-in
          const args = this.pop();
          const callable = this.pop();
          if (typeof callable !== 'function') {
            throw this.fail(`REDUCE applied to ${this.nameOf(callable)}, which cannot be called`);
          }
          if (!Array.isArray(args)) throw this.fail(`REDUCE arguments for ${this.nameOf(callable)} are not a tuple`);
          if (args.length > PICKLE_LIMITS.maxCallArgs) {
            throw this.fail(`REDUCE passes ${args.length} arguments to ${this.nameOf(callable)} `
              + `(at most ${PICKLE_LIMITS.maxCallArgs})`);
          }
          this.push(callable(...args));
          break;
        }
        case 0x62: { // BUILD: obj.__setstate__(state), delegated to the caller
          const state = this.pop();
          if (!this.hooks.build) throw this.fail('BUILD is not expected in this file');
          this.hooks.build(this.top(), state);
          break;
        }
        case 0x51: { // BINPERSID: storage references in torch files
          const pid = this.pop();
          if (!this.hooks.persistentLoad) throw this.fail('persistent ids are not expected in this file');
          this.push(this.hooks.persistentLoad(pid));
          break;
        }

        // --- object construction outside the allow-list route: refused
        case 0x69: { // INST "module\nname\n"
          const module = this.line();
          throw this.refuse(`INST of ${quoteUntrusted(`${module}.${this.line()}`)}`);
        }
        case 0x6f: { // OBJ
          const [cls] = this.popMark();
          throw this.refuse(`OBJ of ${this.nameOf(cls)}`);
        }
        case 0x81: throw this.refuse(`NEWOBJ of ${this.nameOf(this.stack.at(-2))}`);
        case 0x92: throw this.refuse(`NEWOBJ_EX of ${this.nameOf(this.stack.at(-3))}`);
        case 0x82: throw this.refuse(`EXT1 extension-registry code ${this.u8()}`);
        case 0x83: throw this.refuse(`EXT2 extension-registry code ${view.getUint16(this.take(2), true)}`);
        case 0x84: throw this.refuse(`EXT4 extension-registry code ${view.getInt32(this.take(4), true)}`);

        default:
          throw this.fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`
            + ` (${JSON.stringify(String.fromCharCode(op))})`);
      }
    }
    throw this.fail('the pickle ends without a STOP opcode');
  }

  global(module, name) {
    const key = `${module}.${name}`;
    if (!this.hooks.globals.has(key)) {
      const allowed = [...this.hooks.globals.keys()].join(', ');
      throw this.refuse(`pickle global ${quoteUntrusted(key)} (allowed: ${allowed})`);
    }
    const standIn = this.hooks.globals.get(key);
    if (standIn !== null && (typeof standIn === 'object' || typeof standIn === 'function')) {
      this.globalNames.set(standIn, key);
    }
    return standIn;
  }

  // --- stack helpers
  base() {
    return this.marks.length ? this.marks[this.marks.length - 1] : 0;
  }
  push(v) {
    if (this.stack.length >= PICKLE_LIMITS.maxStackItems) {
      throw this.fail(`more than ${PICKLE_LIMITS.maxStackItems} values on the pickle stack`);
    }
    this.stack.push(v);
  }
  pop() {
    if (this.stack.length <= this.base()) throw this.fail('stack underflow');
    return this.stack.pop();
  }
  top() {
    if (this.stack.length <= this.base()) throw this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  popN(n) {
    if (this.stack.length - n < this.base()) throw this.fail('stack underflow');
    return this.stack.splice(this.stack.length - n, n);
  }
  popMark() {
    if (!this.marks.length) throw this.fail('no MARK on the stack');
    return this.stack.splice(this.marks.pop());
  }
  mark() {
    if (this.marks.length >= PICKLE_LIMITS.maxDepth) throw this.fail(`MARKs nested more than ${PICKLE_LIMITS.maxDepth} deep`);
    this.marks.push(this.stack.length);
  }

  // --- containers: sizes and nesting are counted as they are built
  depthOf(v) {
    return v !== null && typeof v === 'object' ? this.depths.get(v) ?? 1 : 0;
  }
  /** Registers a new container holding `items`; checks the nesting and the total item budget. */
  container(value, items) {
    this.count(1 + items.length);
    let depth = 1;
    for (const item of items) depth = Math.max(depth, this.depthOf(item) + 1);
    this.checkDepth(depth);
    this.depths.set(value, depth);
    return value;
  }
  sequence(items) {
    if (items.length > PICKLE_LIMITS.maxContainerItems) throw this.tooMany('a tuple or list', items.length);
    return this.container(items, items);
  }
  appendItems(list, items) {
    if (list.length + items.length > PICKLE_LIMITS.maxContainerItems) throw this.tooMany('a list', list.length + items.length);
    this.count(items.length);
    this.deepen(list, items);
    for (const item of items) list.push(item); // a loop: push(...items) overflows the call stack
  }
  deepen(target, items) {
    let depth = this.depthOf(target);
    for (const item of items) depth = Math.max(depth, this.depthOf(item) + 1);
    this.checkDepth(depth);
    this.depths.set(target, depth);
  }
  checkDepth(depth) {
    if (depth > PICKLE_LIMITS.maxDepth) throw this.fail(`containers nested more than ${PICKLE_LIMITS.maxDepth} deep`);
  }
  count(n) {
    this.totalItems += n;
    if (this.totalItems > PICKLE_LIMITS.maxTotalItems) {
      throw this.fail(`more than ${PICKLE_LIMITS.maxTotalItems} containers and items in one pickle`);
    }
  }
  tooMany(what, n) {
    return this.fail(`${what} of ${n} items (at most ${PICKLE_LIMITS.maxContainerItems})`);
  }
  remember(index) {
    if (!this.memo.has(index) && this.memo.size >= PICKLE_LIMITS.maxMemoEntries) {
      throw this.fail(`more than ${PICKLE_LIMITS.maxMemoEntries} memo entries`);
    }
    this.memo.set(index, this.top());
  }
  list(v) {
    if (!Array.isArray(v)) throw this.fail('APPEND target is not a list');
    return v;
  }
  dict(v) {
    if (!(v instanceof Map)) throw this.fail('SETITEM target is not a dict');
    return v;
  }
  setPairs(dict, items) {
    if (items.length % 2) throw this.fail('odd number of items for a dict');
    if (dict.size + items.length / 2 > PICKLE_LIMITS.maxContainerItems) throw this.tooMany('a dict', dict.size + items.length / 2);
    this.count(items.length);
    this.deepen(dict, items);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }
  recall(index) {
    if (!this.memo.has(index)) throw this.fail(`memo slot ${index} read before it was written`);
    return this.memo.get(index);
  }
  nameOf(v) {
    if (v !== null && (typeof v === 'object' || typeof v === 'function') && this.globalNames.has(v)) {
      return `"${this.globalNames.get(v)}"`;
    }
    return v === null ? 'None' : describeUntrusted(v);
  }

  // --- byte readers (all bounds-checked)
  take(n) {
    if (n > this.bytes.length - this.pos) throw this.fail('the pickle is truncated');
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8() {
    return this.bytes[this.take(1)];
  }
  u32() {
    return this.view.getUint32(this.take(4), true);
  }
  u64() {
    const at = this.take(8);
    return this.view.getUint32(at + 4, true) * 2 ** 32 + this.view.getUint32(at, true);
  }
  integerLength() {
    const n = this.view.getInt32(this.take(4), true);
    if (n < 0) throw this.fail('negative length');
    if (n > PICKLE_LIMITS.maxIntegerBytes) {
      throw this.fail(`an integer of ${n} bytes (at most ${PICKLE_LIMITS.maxIntegerBytes})`);
    }
    return n;
  }
  bytesOf(n) {
    const at = this.take(n);
    return this.bytes.subarray(at, at + n);
  }
  text(n) {
    try {
      return utf8.decode(this.bytesOf(n));
    } catch (err) {
      if (err instanceof ModelFormatError) throw err;
      throw this.fail('a string is not valid UTF-8');
    }
  }
  line() {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail('the pickle is truncated inside a GLOBAL name');
    const s = this.text(end - this.pos);
    this.pos = end + 1; // past the newline
    return s;
  }

  // --- errors
  fail(problem) {
    return new ModelFormatError(`${this.label}: ${problem} (pickle offset ${this.opPos}). ${FORMAT_HINT}`);
  }
  refuse(what) {
    return new UnsafeModelFileError(`${this.label}: refused ${what} at pickle offset ${this.opPos}; `
      + `only what torch.save uses for tensors and state dicts is allowed. ${UNSAFE_HINT}`);
  }
}

/** Little-endian two's-complement integer (LONG1 / LONG4 payload). */
function decodeLong(b) {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
