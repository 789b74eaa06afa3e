"""A very small SQL engine: the statements the agents send (see README.md),
with Oracle's error codes. Not a general SQL implementation."""
import re
import time

from .db import OraError
from . import common as C

# ---------------------------------------------------------------------------
# tokens
# ---------------------------------------------------------------------------

TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qid>"[^"]*")
  | (?P<num>\d+(?:\.\d*)?|\.\d+)
  | (?P<id>[A-Za-z_][A-Za-z0-9_$#]*)
  | (?P<op>\|\||<>|!=|\^=|<=|>=|[=<>(),*+\-/.;:@])
""", re.X)


class Tok:
    __slots__ = ("kind", "val", "pos", "raw")

    def __init__(self, kind, val, pos, raw):
        self.kind, self.val, self.pos, self.raw = kind, val, pos, raw

    def __repr__(self):
        return "%s:%s" % (self.kind, self.val)


def tokenize(text):
    toks = []
    i = 0
    while i < len(text):
        m = TOKEN_RE.match(text, i)
        if not m:
            raise OraError("ORA-00911: invalid character", pos=i)
        kind = m.lastgroup
        raw = m.group()
        if kind == "str":
            toks.append(Tok("str", raw[1:-1].replace("''", "'"), i, raw))
        elif kind == "qid":
            toks.append(Tok("id", raw[1:-1], i, raw))
        elif kind == "id":
            toks.append(Tok("id", raw.upper(), i, raw))
        elif kind == "num":
            toks.append(Tok("num", raw, i, raw))
        elif kind == "op":
            toks.append(Tok("op", "!=" if raw in ("<>", "^=") else raw, i, raw))
        i = m.end()
    toks.append(Tok("eof", "", len(text), ""))
    return toks


class Parser:
    def __init__(self, text):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    @property
    def tok(self):
        return self.toks[self.i]

    def next(self):
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def is_kw(self, *words):
        t = self.tok
        return t.kind == "id" and t.raw[0] != '"' and t.val in words

    def accept_kw(self, *words):
        if self.is_kw(*words):
            return self.next().val
        return None

    def expect_kw(self, word, code="ORA-00922: missing or invalid option"):
        if not self.accept_kw(word):
            raise OraError(code, pos=self.tok.pos)

    def accept_op(self, op):
        if self.tok.kind == "op" and self.tok.val == op:
            return self.next()
        return None

    def expect_op(self, op, code=None):
        if not self.accept_op(op):
            if code is None:
                code = {"(": "ORA-00906: missing left parenthesis",
                        ")": "ORA-00907: missing right parenthesis"}.get(
                            op, "ORA-00936: missing expression")
            raise OraError(code, pos=self.tok.pos)

    def ident(self, code="ORA-00903: invalid table name"):
        t = self.tok
        if t.kind != "id":
            raise OraError(code, pos=t.pos)
        self.next()
        return t.val

    def end(self):
        if self.tok.kind != "eof":
            raise OraError("ORA-00933: SQL command not properly ended", pos=self.tok.pos)

    # -- expressions -----------------------------------------------------
    def expr(self):
        e = self.additive()
        while self.accept_op("||"):
            e = ("concat", e, self.additive())
        return e

    def additive(self):
        e = self.mult()
        while self.tok.kind == "op" and self.tok.val in "+-":
            op = self.next().val
            e = ("arith", op, e, self.mult())
        return e

    def mult(self):
        e = self.unary()
        while self.tok.kind == "op" and self.tok.val in ("*", "/"):
            op = self.next().val
            e = ("arith", op, e, self.unary())
        return e

    def unary(self):
        if self.accept_op("-"):
            return ("arith", "-", ("lit", 0), self.unary())
        return self.primary()

    FUNCS = ("COUNT", "MAX", "MIN", "SUM", "UPPER", "LOWER", "NVL", "TO_CHAR", "LENGTH",
             "TRIM", "SUBSTR", "TO_NUMBER", "ROUND", "ABS")

    def primary(self):
        t = self.tok
        if t.kind == "num":
            self.next()
            return ("lit", float(t.val) if "." in t.val else int(t.val))
        if t.kind == "str":
            self.next()
            return ("lit", t.val)
        if self.accept_op("("):
            e = self.expr()
            self.expect_op(")")
            return e
        if t.kind == "id":
            if t.raw[0] != '"':
                if t.val == "NULL":
                    self.next()
                    return ("lit", None)
                if t.val in ("SYSDATE", "SYSTIMESTAMP", "CURRENT_DATE"):
                    self.next()
                    return ("sysdate",)
                if t.val == "USER":
                    self.next()
                    return ("user",)
                if t.val in self.FUNCS and self.toks[self.i + 1].val == "(":
                    self.next()
                    self.next()
                    if t.val == "COUNT" and self.accept_op("*"):
                        self.expect_op(")")
                        return ("agg", "COUNT", None)
                    args = [self.expr()]
                    while self.accept_op(","):
                        args.append(self.expr())
                    self.expect_op(")")
                    if t.val in ("COUNT", "MAX", "MIN", "SUM"):
                        return ("agg", t.val, args[0])
                    return ("func", t.val, args)
            self.next()
            name = t.val
            if self.accept_op("."):
                name = name + "." + self.ident("ORA-00904: invalid identifier")
            return ("col", name, t.pos)
        raise OraError("ORA-00936: missing expression", pos=t.pos)

    def cond(self):
        c = self.and_cond()
        while self.accept_kw("OR"):
            c = ("or", c, self.and_cond())
        return c

    def and_cond(self):
        c = self.not_cond()
        while self.accept_kw("AND"):
            c = ("and", c, self.not_cond())
        return c

    def not_cond(self):
        if self.accept_kw("NOT"):
            return ("not", self.not_cond())
        # parenthesised condition?
        if self.tok.kind == "op" and self.tok.val == "(":
            save = self.i
            self.next()
            try:
                c = self.cond()
                self.expect_op(")")
                return c
            except OraError:
                self.i = save
        left = self.expr()
        if self.accept_kw("IS"):
            neg = bool(self.accept_kw("NOT"))
            self.expect_kw("NULL", "ORA-00908: missing NULL keyword")
            c = ("isnull", left)
            return ("not", c) if neg else c
        neg = bool(self.accept_kw("NOT"))
        if self.accept_kw("IN"):
            self.expect_op("(")
            vals = [self.expr()]
            while self.accept_op(","):
                vals.append(self.expr())
            self.expect_op(")")
            c = ("in", left, vals)
            return ("not", c) if neg else c
        if self.accept_kw("LIKE"):
            c = ("like", left, self.expr())
            return ("not", c) if neg else c
        t = self.tok
        if t.kind == "op" and t.val in ("=", "!=", "<", ">", "<=", ">="):
            self.next()
            return ("cmp", t.val, left, self.expr())
        raise OraError("ORA-00920: invalid relational operator", pos=t.pos)


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------

def to_num(v):
    if v is None or isinstance(v, (int, float)):
        return v
    try:
        f = float(str(v).strip())
    except ValueError:
        raise OraError("ORA-01722: invalid number")
    return int(f) if f == int(f) and "." not in str(v) else f


def fmt_num(v):
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        s = ("%.10f" % v).rstrip("0").rstrip(".")
        if s.startswith("0."):
            s = s[1:]
        elif s.startswith("-0."):
            s = "-" + s[2:]
        return s
    return str(v)


class DateVal(float):
    pass


def to_char(v, fmt=None):
    if v is None:
        return None
    if isinstance(v, DateVal):
        if not fmt:
            return C.nls_date(v)
        lt = time.localtime(v)
        out = fmt.upper()
        for k, s in (("YYYY", "%04d" % lt.tm_year), ("MM", "%02d" % lt.tm_mon),
                     ("DD", "%02d" % lt.tm_mday), ("HH24", "%02d" % lt.tm_hour),
                     ("MI", "%02d" % lt.tm_min), ("SS", "%02d" % lt.tm_sec),
                     ("MON", C.MONTHS[lt.tm_mon - 1])):
            out = out.replace(k, s)
        return out
    if isinstance(v, (int, float)):
        return fmt_num(v)
    return str(v)


def like_re(pat):
    out = ""
    for ch in pat:
        out += ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
    return re.compile("^" + out + "$", re.S)


class Row:
    def __init__(self, cols, values, ctx):
        self.cols, self.values, self.ctx = cols, values, ctx


def expr_text(p, start, end):
    """Default heading of an expression: its text, upper-cased outside
    quotes, blanks removed (as SQL*Plus shows it)."""
    out = []
    for t in p.toks[start:end]:
        out.append(t.raw if t.kind == "str" else t.raw.upper() if t.kind != "id" or t.raw[0] != '"' else t.val)
    return "".join(out)


def evaluate(e, row, env):
    k = e[0]
    if k == "lit":
        return e[1]
    if k == "sysdate":
        return DateVal(time.time())
    if k == "user":
        return env["user"]
    if k == "col":
        name = e[1]
        if "." in name:
            name = name.split(".", 1)[1]
        if row is None or name not in row:
            raise OraError('ORA-00904: "%s": invalid identifier' % name, pos=e[2])
        return row[name]
    if k == "concat":
        a, b = evaluate(e[1], row, env), evaluate(e[2], row, env)
        s = (to_char(a) or "") + (to_char(b) or "")
        return s if s else None
    if k == "arith":
        a, b = to_num(evaluate(e[2], row, env)), to_num(evaluate(e[3], row, env))
        if a is None or b is None:
            return None
        if e[1] == "+":
            return a + b
        if e[1] == "-":
            return a - b
        if e[1] == "*":
            return a * b
        if b == 0:
            raise OraError("ORA-01476: divisor is equal to zero")
        return a / b
    if k == "func":
        f, args = e[1], [evaluate(a, row, env) for a in e[2]]
        if f == "UPPER":
            return None if args[0] is None else to_char(args[0]).upper()
        if f == "LOWER":
            return None if args[0] is None else to_char(args[0]).lower()
        if f == "NVL":
            return args[1] if args[0] is None else args[0]
        if f == "TO_CHAR":
            return to_char(args[0], args[1] if len(args) > 1 else None)
        if f == "LENGTH":
            return None if args[0] is None else len(to_char(args[0]))
        if f == "TRIM":
            return None if args[0] is None else to_char(args[0]).strip() or None
        if f == "SUBSTR":
            s = to_char(args[0]) or ""
            st = int(args[1]) if len(args) > 1 else 1
            st = st - 1 if st > 0 else len(s) + st if st < 0 else 0
            n = int(args[2]) if len(args) > 2 else len(s)
            return s[st:st + n] or None
        if f == "TO_NUMBER":
            return to_num(args[0])
        if f == "ROUND":
            v = to_num(args[0])
            return None if v is None else round(v, int(args[1]) if len(args) > 1 else 0)
        if f == "ABS":
            v = to_num(args[0])
            return None if v is None else abs(v)
    if k == "agg":
        return env["agg"][id(e)]
    raise OraError("ORA-00936: missing expression")


def compare(a, b):
    if a is None or b is None:
        return None
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        a, b = to_num(a), to_num(b)
    else:
        a, b = str(a), str(b)
    return (a > b) - (a < b)


def test(c, row, env):
    k = c[0]
    if k == "and":
        return test(c[1], row, env) and test(c[2], row, env)
    if k == "or":
        return test(c[1], row, env) or test(c[2], row, env)
    if k == "not":
        r = test(c[1], row, env)
        return None if r is None else not r
    if k == "isnull":
        return evaluate(c[1], row, env) is None
    if k == "in":
        v = evaluate(c[1], row, env)
        return any(compare(v, evaluate(x, row, env)) == 0 for x in c[2])
    if k == "like":
        v = evaluate(c[1], row, env)
        p = evaluate(c[2], row, env)
        if v is None or p is None:
            return None
        return bool(like_re(to_char(p)).match(to_char(v)))
    if k == "cmp":
        r = compare(evaluate(c[2], row, env), evaluate(c[3], row, env))
        if r is None:
            return None
        return {"=": r == 0, "!=": r != 0, "<": r < 0, ">": r > 0, "<=": r <= 0,
                ">=": r >= 0}[c[1]]
    raise OraError("ORA-00920: invalid relational operator")


def collect_aggs(e, out):
    if isinstance(e, tuple):
        if e and e[0] == "agg":
            out.append(e)
            return
        for x in e:
            if isinstance(x, (tuple, list)):
                if isinstance(x, list):
                    for y in x:
                        collect_aggs(y, out)
                else:
                    collect_aggs(x, out)
