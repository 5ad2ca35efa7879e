"use strict";
// Python `json.dumps` look-alike, byte for byte, for the options Frappe uses.
//
//   asJson(obj)  ==  frappe.as_json(obj)
//                ==  json.dumps(obj, indent=1, sort_keys=True, separators=(",", ": "),
//                               ensure_ascii=True, default=frappe's json_handler)
//   pyDumps(obj) ==  json.dumps(obj)   (defaults: separators (", ", ": "), ensure_ascii)
//
// Value mapping (JS -> Python):
//   null / undefined        -> None  -> null   (also as object values: a Python dict built
//                                                from keyword arguments keeps None entries)
//   boolean                 -> bool  -> true / false
//   integral number, BigInt -> int   -> digits (no ".0")
//   other number            -> float -> repr(): 0.5, 1e-05, 1.5e+16, NaN, Infinity, -Infinity
//   pyFloat(x)              -> float -> forces float formatting: pyFloat(3) -> 3.0
//   string                  -> str   -> ensure_ascii escaping, \uXXXX lowercase hex,
//                                       surrogate pairs for non-BMP characters
//   Array                   -> list, empty -> []
//   Date                    -> str(datetime) in UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"
//   plain object / Map      -> dict, empty -> {}; keys sorted by code point (sort_keys)
// No dependencies; used by publish.js and frappe-stub.js.

class PyFloat {
	constructor(value) {
		this.value = Number(value);
	}
}

function pyFloat(value) {
	return new PyFloat(value);
}

// repr(float) of CPython ("short" float repr): shortest round-trip digits, scientific when
// the decimal exponent is < -4 or >= 16.
function floatRepr(x) {
	if (Number.isNaN(x)) return "NaN";
	if (x === Infinity) return "Infinity";
	if (x === -Infinity) return "-Infinity";
	if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
	const sign = x < 0 ? "-" : "";
	const [mant, expStr] = Math.abs(x).toExponential().split("e");
	const digits = mant.replace(".", "");
	const exp = Number(expStr);
	if (exp < -4 || exp >= 16) {
		const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
		const e = Math.abs(exp).toString().padStart(2, "0");
		return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
	}
	let s;
	if (exp < 0) {
		s = `0.${"0".repeat(-exp - 1)}${digits}`;
	} else if (digits.length > exp + 1) {
		s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
	} else {
		s = `${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
	}
	return sign + s;
}

function numberRepr(x) {
	if (Number.isInteger(x)) return BigInt(x).toString();
	return floatRepr(x);
}

function hex4(code) {
	return "\\u" + code.toString(16).padStart(4, "0");
}

const SHORT_ESCAPES = {
	'"': '\\"',
	"\\": "\\\\",
	"\n": "\\n",
	"\r": "\\r",
	"\t": "\\t",
	"\b": "\\b",
	"\f": "\\f",
};

// JS strings are UTF-16 code units, exactly what Python's ensure_ascii emits for non-BMP
// characters (a surrogate pair), so escaping unit by unit is exact, lone surrogates included.
function encodeString(s, ensureAscii) {
	let out = '"';
	for (let i = 0; i < s.length; i++) {
		const ch = s[i];
		const code = s.charCodeAt(i);
		if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
		else if (code < 0x20) out += hex4(code);
		else if (ensureAscii && code > 0x7e) out += hex4(code);
		else out += ch;
	}
	return out + '"';
}

// Python compares str by code point; JS `<` compares UTF-16 code units (differs for
// characters above U+FFFF versus U+E000..U+FFFF).
function codePointCompare(a, b) {
	const ia = a[Symbol.iterator]();
	const ib = b[Symbol.iterator]();
	for (;;) {
		const x = ia.next();
		const y = ib.next();
		if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
		const cx = x.value.codePointAt(0);
		const cy = y.value.codePointAt(0);
		if (cx !== cy) return cx < cy ? -1 : 1;
	}
}

function pad(n, w) {
	return String(n).padStart(w, "0");
}

// frappe.utils.response.json_handler: datetime -> str(obj)
function dateRepr(d) {
	let s =
		`${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
		`${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
	if (d.getUTCMilliseconds()) s += `.${pad(d.getUTCMilliseconds() * 1000, 6)}`;
	return s;
}

function pyDumpsWith(obj, opts = {}) {
	const indent = opts.indent === undefined || opts.indent === null ? null : opts.indent;
	const sortKeys = !!opts.sortKeys;
	const ensureAscii = opts.ensureAscii !== false;
	const [itemSep, keySep] = opts.separators || (indent === null ? [", ", ": "] : [",", ": "]);
	const seen = new Set();

	function enc(value, level) {
		if (value === null || value === undefined) return "null";
		if (value === true) return "true";
		if (value === false) return "false";
		if (typeof value === "number") return numberRepr(value);
		if (typeof value === "bigint") return value.toString();
		if (typeof value === "string") return encodeString(value, ensureAscii);
		if (value instanceof PyFloat) return floatRepr(value.value);
		if (value instanceof Date) return encodeString(dateRepr(value), ensureAscii);
		if (typeof value !== "object") {
			throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
		}
		if (seen.has(value)) throw new Error("ValueError: Circular reference detected");
		let entries;
		let open;
		let close;
		if (Array.isArray(value)) {
			entries = value.map((v) => [null, v]);
			[open, close] = ["[", "]"];
		} else {
			const src = value instanceof Map ? [...value.entries()] : Object.entries(value);
			entries = src.map(([k, v]) => [typeof k === "string" ? k : String(k), v]);
			if (sortKeys) entries.sort((a, b) => codePointCompare(a[0], b[0]));
			[open, close] = ["{", "}"];
		}
		if (entries.length === 0) return open + close;
		seen.add(value);
		const inner = indent === null ? "" : "\n" + " ".repeat(indent * (level + 1));
		const outer = indent === null ? "" : "\n" + " ".repeat(indent * level);
		const parts = entries.map(([k, v]) =>
			k === null ? enc(v, level + 1) : encodeString(k, ensureAscii) + keySep + enc(v, level + 1),
		);
		seen.delete(value);
		return open + inner + parts.join(itemSep + inner) + outer + close;
	}
	return enc(obj, 0);
}

/** frappe.as_json(obj): indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=True */
function asJson(obj) {
	return pyDumpsWith(obj, { indent: 1, sortKeys: true, separators: [",", ": "], ensureAscii: true });
}

/** json.dumps(obj) with Python's defaults (separators ", " / ": ", ensure_ascii). */
function pyDumps(obj, opts) {
	return pyDumpsWith(obj, opts || {});
}

module.exports = { asJson, pyDumps, pyFloat, PyFloat, floatRepr, codePointCompare };
