using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Templates;

internal sealed class ClosureValue
{
    public ClosureValue(ClosureExpr expr, Scope scope) { Expr = expr; Scope = scope; }
    public ClosureExpr Expr { get; }
    public Scope Scope { get; }
}

internal sealed class Scope
{
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);
    private readonly Scope? _parent;
    private readonly IBindingContext? _root;

    public Scope(Scope parent) => _parent = parent;
    public Scope(IBindingContext root) => _root = root;

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s is not null; s = s._parent)
        {
            if (s._vars.TryGetValue(name, out value)) return true;
            if (s._root is not null)
            {
                if (s._root.TryResolve(name, out value)) { value = Values.Normalize(value); return true; }
                return false;
            }
        }
        value = null;
        return false;
    }

    public void Declare(string name, object? value) => _vars[name] = value;

    public void Assign(string name, object? value)
    {
        for (var s = this; s is not null; s = s._parent)
        {
            if (s._vars.ContainsKey(name)) { s._vars[name] = value; return; }
        }
        // Groovy script semantics: assignment to an undeclared name creates a script variable.
        var top = this;
        while (top._parent is not null) top = top._parent;
        top._vars[name] = value;
    }
}

/// <summary>Tree-walking interpreter with step, depth, string-size, collection-size and time bounds.</summary>
internal sealed class Interpreter
{
    private enum Flow { Normal, Return, Break, Continue }

    private static readonly HashSet<string> StaticClasses = new(StringComparer.Ordinal)
    {
        "Math", "Integer", "Long", "String", "Double", "Boolean", "URLEncoder", "URLDecoder", "JsonOutput", "Objects", "Collections",
    };

    private static readonly HashSet<string> ForbiddenNames = new(StringComparer.Ordinal)
    {
        "getClass", "class", "metaClass", "getMetaClass", "invokeMethod", "execute", "evaluate", "System", "Runtime", "Class",
        "Thread", "File", "Eval", "GroovyShell", "ProcessBuilder", "forName", "newInstance", "getProperty", "setProperty", "println", "print",
    };

    private readonly string _src;
    private readonly EvaluationLimits _limits;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _steps;
    private int _depth;
    private object? _returnValue;
    private object? _lastValue;

    public Interpreter(string source, EvaluationLimits limits)
    {
        _src = source;
        _limits = limits;
    }

    public object? Run(IReadOnlyList<Stmt> program, IBindingContext bindings)
    {
        var scope = new Scope(bindings);
        _lastValue = null;
        var flow = ExecList(program, scope);
        if (flow == Flow.Return) return _returnValue;
        if (flow is Flow.Break or Flow.Continue) throw Error(ExpressionErrorKind.Syntax, "'break'/'continue' outside a loop", 0);
        return _lastValue;
    }

    private ExpressionException Error(ExpressionErrorKind kind, string message, int pos, Exception? inner = null) => new(kind, message, _src, pos, inner);

    private void Step(int pos)
    {
        if (++_steps > _limits.MaxSteps) throw Error(ExpressionErrorKind.StepLimitExceeded, $"evaluation exceeded {_limits.MaxSteps} steps (endless loop?)", pos);
        if ((_steps & 255) == 0 && _clock.Elapsed > _limits.Timeout) throw Error(ExpressionErrorKind.Timeout, $"evaluation exceeded the time limit of {_limits.Timeout.TotalMilliseconds} ms", pos);
    }

    private void Enter(int pos)
    {
        if (++_depth > _limits.MaxDepth) throw Error(ExpressionErrorKind.DepthLimitExceeded, $"evaluation nested deeper than {_limits.MaxDepth} levels (runaway recursion?)", pos);
    }

    private string CheckString(string s, int pos)
    {
        if (s.Length > _limits.MaxStringLength) throw Error(ExpressionErrorKind.StringTooLong, $"string of {s.Length} characters exceeds the limit of {_limits.MaxStringLength}", pos);
        return s;
    }

    private void CheckCollection(int count, int pos)
    {
        if (count > _limits.MaxCollectionSize) throw Error(ExpressionErrorKind.CollectionTooLarge, $"collection of {count} elements exceeds the limit of {_limits.MaxCollectionSize}", pos);
    }

    // ------------------------------------------------------------------ statements
    private Flow ExecList(IReadOnlyList<Stmt> list, Scope scope)
    {
        foreach (var s in list)
        {
            var f = Exec(s, scope);
            if (f != Flow.Normal) return f;
        }
        return Flow.Normal;
    }

    private Flow Exec(Stmt stmt, Scope scope)
    {
        Step(stmt.Pos);
        Enter(stmt.Pos);
        try
        {
            switch (stmt)
            {
                case ExprStmt es:
                    _lastValue = Eval(es.Expr, scope);
                    return Flow.Normal;
                case VarDeclStmt vd:
                    scope.Declare(vd.Name, vd.Init is null ? null : Eval(vd.Init, scope));
                    _lastValue = null;
                    return Flow.Normal;
                case BlockStmt b:
                    return ExecList(b.Body, new Scope(scope));
                case IfStmt ifs:
                    _lastValue = null;
                    if (Values.Truthy(Eval(ifs.Cond, scope))) return Exec(ifs.Then, new Scope(scope));
                    if (ifs.Else is not null) return Exec(ifs.Else, new Scope(scope));
                    _lastValue = null;
                    return Flow.Normal;
                case ReturnStmt rs:
                    _returnValue = rs.Value is null ? null : Eval(rs.Value, scope);
                    _lastValue = _returnValue;
                    return Flow.Return;
                case BreakStmt: return Flow.Break;
                case ContinueStmt: return Flow.Continue;
                case WhileStmt ws:
                    while (Values.Truthy(Eval(ws.Cond, scope)))
                    {
                        Step(ws.Pos);
                        var f = Exec(ws.Body, new Scope(scope));
                        if (f == Flow.Break) break;
                        if (f == Flow.Return) return f;
                    }
                    _lastValue = null;
                    return Flow.Normal;
                case ForInStmt fi:
                {
                    var iterable = Eval(fi.Iterable, scope);
                    foreach (var item in Iterate(iterable, fi.Iterable.Pos))
                    {
                        Step(fi.Pos);
                        var inner = new Scope(scope);
                        inner.Declare(fi.Var, item);
                        var f = Exec(fi.Body, inner);
                        if (f == Flow.Break) break;
                        if (f == Flow.Return) return f;
                    }
                    _lastValue = null;
                    return Flow.Normal;
                }
                case ForCStmt fc:
                {
                    var loop = new Scope(scope);
                    if (fc.Init is not null) Exec(fc.Init, loop);
                    while (fc.Cond is null || Values.Truthy(Eval(fc.Cond, loop)))
                    {
                        Step(fc.Pos);
                        var f = Exec(fc.Body, new Scope(loop));
                        if (f == Flow.Break) break;
                        if (f == Flow.Return) return f;
                        foreach (var u in fc.Update) Eval(u, loop);
                    }
                    _lastValue = null;
                    return Flow.Normal;
                }
                case TryStmt ts:
                    try
                    {
                        return ExecList(ts.Body, new Scope(scope));
                    }
                    catch (ExpressionException ex) when (ts.CatchVar is not null && IsCatchable(ex.Kind))
                    {
                        var inner = new Scope(scope);
                        inner.Declare(ts.CatchVar, new Dictionary<string, object?> { ["message"] = ex.Detail });
                        return ExecList(ts.Catch!, inner);
                    }
            }
            throw Error(ExpressionErrorKind.Syntax, $"unsupported statement {stmt.GetType().Name}", stmt.Pos);
        }
        finally { _depth--; }
    }

    private static bool IsCatchable(ExpressionErrorKind k) => k is not (ExpressionErrorKind.StepLimitExceeded or ExpressionErrorKind.Timeout
        or ExpressionErrorKind.DepthLimitExceeded or ExpressionErrorKind.StringTooLong or ExpressionErrorKind.CollectionTooLarge or ExpressionErrorKind.Forbidden);

    private IEnumerable<object?> Iterate(object? v, int pos)
    {
        v = Values.Normalize(v);
        if (v is null) return Array.Empty<object?>();
        if (v is string s) return s.Select(c => (object?)c.ToString());
        if (Values.IsMap(v)) return Values.MapEntries(v).Cast<object?>();
        if (Values.IsList(v)) return Values.ListView(v);
        if (v is long n) return LongRange(0, n);
        throw Error(ExpressionErrorKind.TypeMismatch, $"cannot iterate over a {Values.TypeName(v)}", pos);
    }

    private static IEnumerable<object?> LongRange(long from, long count)
    {
        for (long i = from; i < count; i++) yield return i;
    }

    // ------------------------------------------------------------------ expressions
    private object? Eval(Expr e, Scope scope)
    {
        Step(e.Pos);
        Enter(e.Pos);
        try { return EvalCore(e, scope); }
        finally { _depth--; }
    }

    private object? EvalCore(Expr e, Scope scope)
    {
        switch (e)
        {
            case LiteralExpr l: return l.Value;
            case GStringExpr g:
            {
                var sb = new StringBuilder();
                foreach (var p in g.Parts)
                {
                    sb.Append(p is string s ? s : Values.ToStr(Eval((Expr)p, scope)));
                    CheckString(sb.Length > _limits.MaxStringLength ? sb.ToString() : "", g.Pos);
                }
                return sb.ToString();
            }
            case IdentExpr id:
                if (scope.TryGet(id.Name, out var v)) return v;
                if (ForbiddenNames.Contains(id.Name)) throw Error(ExpressionErrorKind.Forbidden, $"'{id.Name}' is not available in the sandbox", id.Pos);
                throw Error(ExpressionErrorKind.UnknownVariable, $"unknown variable '{id.Name}'", id.Pos);
            case MemberExpr m: return EvalMember(m, scope);
            case IndexExpr ix:
            {
                var target = Eval(ix.Target, scope);
                var index = Eval(ix.Index, scope);
                if (target is null)
                {
                    if (ix.Safe) return null;
                    throw Error(ExpressionErrorKind.NullReference, "cannot index into null", ix.Pos);
                }
                return IndexInto(target, index, ix.Pos);
            }
            case CallExpr c: return EvalCall(c, scope);
            case InvokeExpr inv:
            {
                var callee = Eval(inv.Callee, scope);
                if (callee is not ClosureValue cv) throw Error(ExpressionErrorKind.TypeMismatch, "value is not callable", inv.Pos);
                return CallClosure(cv, inv.Args.Select(a => Eval(a, scope)).ToArray(), inv.Pos);
            }
            case UnaryExpr u:
            {
                var val = Eval(u.Operand, scope);
                switch (u.Op)
                {
                    case "!": return !Values.Truthy(val);
                    case "-":
                        return Values.Normalize(val) switch
                        {
                            long n => n == long.MinValue ? throw Error(ExpressionErrorKind.ArithmeticOverflow, "integer overflow", u.Pos) : (object)(-n),
                            double d => (object)(-d),
                            _ => throw Error(ExpressionErrorKind.TypeMismatch, $"cannot negate a {Values.TypeName(val)}", u.Pos),
                        };
                    case "+":
                        return Values.IsNumber(Values.Normalize(val)) ? val : throw Error(ExpressionErrorKind.TypeMismatch, $"unary + on a {Values.TypeName(val)}", u.Pos);
                }
                break;
            }
            case BinaryExpr b: return EvalBinary(b, scope);
            case TernaryExpr t: return Values.Truthy(Eval(t.Cond, scope)) ? Eval(t.Then, scope) : Eval(t.Else, scope);
            case ElvisExpr el:
            {
                var val = Eval(el.Value, scope);
                return Values.Truthy(val) ? val : Eval(el.Fallback, scope);
            }
            case ListExpr le:
            {
                CheckCollection(le.Items.Count, le.Pos);
                var list = new List<object?>(le.Items.Count);
                foreach (var item in le.Items) list.Add(Eval(item, scope));
                return list;
            }
            case MapExpr me:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, val) in me.Entries) map[Values.ToStr(Eval(k, scope))] = Eval(val, scope);
                return map;
            }
            case ClosureExpr ce: return new ClosureValue(ce, scope);
            case AssignExpr a: return EvalAssign(a, scope);
            case IncDecExpr inc:
            {
                var old = Eval(inc.Target, scope);
                var updated = Arith(inc.Op == "++" ? "+" : "-", old, 1L, inc.Pos);
                Store(inc.Target, updated, scope);
                return inc.Prefix ? updated : old;
            }
            case NewExpr ne: return EvalNew(ne, scope);
            case CastExpr ce: return Cast(Eval(ce.Value, scope), ce.TypeName, ce.Pos);
            case InstanceOfExpr io:
            {
                var val = Values.Normalize(Eval(io.Value, scope));
                return io.TypeName switch
                {
                    "String" or "CharSequence" or "GString" => val is string,
                    "Integer" or "Long" or "int" or "long" => val is long,
                    "Number" => val is long or double,
                    "Double" or "BigDecimal" or "Float" => val is double,
                    "Boolean" => val is bool,
                    "Map" or "HashMap" or "LinkedHashMap" or "JSONObject" => Values.IsMap(val),
                    "List" or "ArrayList" or "Collection" or "Object[]" or "String[]" or "JSONArray" => Values.IsList(val),
                    "Object" => val is not null,
                    _ => false,
                };
            }
        }
        throw Error(ExpressionErrorKind.Syntax, $"unsupported expression {e.GetType().Name}", e.Pos);
    }

    private object? EvalMember(MemberExpr m, Scope scope)
    {
        if (ForbiddenNames.Contains(m.Name)) throw Error(ExpressionErrorKind.Forbidden, $"property '{m.Name}' is not available in the sandbox", m.Pos);
        var target = Values.Normalize(Eval(m.Target, scope));
        if (target is null) return null; // lenient: property of null is null (Groovy would throw unless ?. is used)
        if (m.Spread) return Values.ListView(target).Select(x => GetProperty(x, m.Name, m.Pos)).ToList();
        return GetProperty(target, m.Name, m.Pos);
    }

    private object? GetProperty(object? target, string name, int pos)
    {
        target = Values.Normalize(target);
        if (target is null) return null;
        if (Values.IsMap(target)) return Values.TryGetMapValue(target, name, out var v) ? v : null;
        if (target is MapEntryValue me)
        {
            return name switch { "key" => me.Key, "value" => me.Value, _ => throw Error(ExpressionErrorKind.UnknownMethod, $"map entry has no property '{name}'", pos) };
        }
        if (Values.IsList(target))
        {
            // Groovy: list.prop collects the property of every element
            var list = Values.ListView(target);
            if (name is "size" or "length") return (long)list.Count;
            return list.Select(x => GetProperty(x, name, pos)).ToList();
        }
        if (target is string s && name is "length" or "size") return (long)s.Length;
        if (target is JsonBuilderValue jb && name == "content") return jb.Content;
        throw Error(ExpressionErrorKind.UnknownMethod, $"a {Values.TypeName(target)} has no property '{name}'", pos);
    }

    private object? IndexInto(object target, object? index, int pos)
    {
        target = Values.Normalize(target)!;
        index = Values.Normalize(index);
        if (Values.IsMap(target)) return Values.TryGetMapValue(target, Values.ToStr(index), out var v) ? v : null;
        if (index is not long i)
        {
            if (Values.IsList(target) && index is string name) return GetProperty(target, name, pos);
            throw Error(ExpressionErrorKind.TypeMismatch, $"index must be an integer, got {Values.TypeName(index)}", pos);
        }
        if (target is string s)
        {
            if (i < 0) i += s.Length;
            if (i < 0 || i >= s.Length) throw Error(ExpressionErrorKind.IndexOutOfRange, $"string index {i} out of range (length {s.Length})", pos);
            return s[(int)i].ToString();
        }
        if (Values.IsList(target))
        {
            if (target is JArray ja)
            {
                if (i < 0) i += ja.Count;
                return i < 0 || i >= ja.Count ? null : Values.Normalize(ja[(int)i]);
            }
            var list = Values.ListView(target);
            if (i < 0) i += list.Count;
            return i < 0 || i >= list.Count ? null : list[(int)i];
        }
        throw Error(ExpressionErrorKind.TypeMismatch, $"cannot index into a {Values.TypeName(target)}", pos);
    }

    private object? EvalAssign(AssignExpr a, Scope scope)
    {
        var value = Eval(a.Value, scope);
        if (a.Op != "=")
        {
            var old = Eval(a.Target, scope);
            value = Arith(a.Op[..1], old, value, a.Pos);
        }
        Store(a.Target, value, scope);
        return value;
    }

    private void Store(Expr target, object? value, Scope scope)
    {
        switch (target)
        {
            case IdentExpr id:
                scope.Assign(id.Name, value);
                return;
            case MemberExpr m:
            {
                var obj = Eval(m.Target, scope);
                PutInto(obj, m.Name, value, m.Pos);
                return;
            }
            case IndexExpr ix:
            {
                var obj = Values.Normalize(Eval(ix.Target, scope));
                var index = Values.Normalize(Eval(ix.Index, scope));
                if (obj is List<object?> list && index is long i)
                {
                    if (i < 0) i += list.Count;
                    if (i < 0) throw Error(ExpressionErrorKind.IndexOutOfRange, $"index {i} out of range", ix.Pos);
                    CheckCollection((int)Math.Min(int.MaxValue, i + 1), ix.Pos);
                    while (list.Count <= i) list.Add(null);
                    list[(int)i] = value;
                    return;
                }
                PutInto(obj, Values.ToStr(index), value, ix.Pos);
                return;
            }
        }
        throw Error(ExpressionErrorKind.Syntax, "invalid assignment target", target.Pos);
    }

    private void PutInto(object? obj, string key, object? value, int pos)
    {
        switch (obj)
        {
            case Dictionary<string, object?> d:
                d[key] = value;
                CheckCollection(d.Count, pos);
                return;
            case null:
                throw Error(ExpressionErrorKind.NullReference, $"cannot set property '{key}' on null", pos);
            default:
                throw Error(ExpressionErrorKind.Forbidden, $"cannot modify a {Values.TypeName(obj)} that was not created by the expression", pos);
        }
    }

    private object? EvalBinary(BinaryExpr b, Scope scope)
    {
        switch (b.Op)
        {
            case "&&": return Values.Truthy(Eval(b.Left, scope)) && Values.Truthy(Eval(b.Right, scope));
            case "||": return Values.Truthy(Eval(b.Left, scope)) || Values.Truthy(Eval(b.Right, scope));
        }
        var l = Values.Normalize(Eval(b.Left, scope));
        var r = Values.Normalize(Eval(b.Right, scope));
        switch (b.Op)
        {
            case "==": return Values.GroovyEquals(l, r);
            case "!=": return !Values.GroovyEquals(l, r);
            case "<": return Compare(l, r, b.Pos) < 0;
            case ">": return Compare(l, r, b.Pos) > 0;
            case "<=": return Compare(l, r, b.Pos) <= 0;
            case ">=": return Compare(l, r, b.Pos) >= 0;
            case "in": return Contains(r, l, b.Pos);
            case "=~": return Regex.IsMatch(Values.ToStr(l), Values.ToStr(r), RegexOptions.None, RegexTimeout) ;
            case "==~": return FullMatch(Values.ToStr(l), Values.ToStr(r), b.Pos);
            case "<<":
                if (l is List<object?> list) { list.Add(r); CheckCollection(list.Count, b.Pos); return list; }
                if (l is StringBuilderValue sbv) { sbv.Builder.Append(Values.ToStr(r)); CheckString(sbv.Builder.Length > _limits.MaxStringLength ? sbv.Builder.ToString() : "", b.Pos); return sbv; }
                throw Error(ExpressionErrorKind.TypeMismatch, $"'<<' is not supported on a {Values.TypeName(l)}", b.Pos);
            default: return Arith(b.Op, l, r, b.Pos);
        }
    }

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    private bool FullMatch(string s, string pattern, int pos)
    {
        try { return Regex.IsMatch(s, "^(?:" + pattern + ")$", RegexOptions.None, RegexTimeout); }
        catch (RegexMatchTimeoutException ex) { throw Error(ExpressionErrorKind.Timeout, "regular expression timed out", pos, ex); }
        catch (ArgumentException ex) { throw Error(ExpressionErrorKind.InvalidArgument, $"invalid regular expression: {ex.Message}", pos, ex); }
    }

    private int Compare(object? l, object? r, int pos)
    {
        if (l is null || r is null) return l is null ? (r is null ? 0 : -1) : 1;
        if (l is long a && r is long c) return a.CompareTo(c);
        if (Values.IsNumber(l) && Values.IsNumber(r)) return Convert.ToDouble(l, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(r, CultureInfo.InvariantCulture));
        if (l is string s1 && r is string s2) return string.CompareOrdinal(s1, s2);
        if (l is bool b1 && r is bool b2) return b1.CompareTo(b2);
        throw Error(ExpressionErrorKind.TypeMismatch, $"cannot compare a {Values.TypeName(l)} with a {Values.TypeName(r)}", pos);
    }

    private bool Contains(object? container, object? item, int pos)
    {
        container = Values.Normalize(container);
        if (container is null) return false;
        if (container is string s) return s.Contains(Values.ToStr(item), StringComparison.Ordinal);
        if (Values.IsMap(container)) return Values.TryGetMapValue(container, Values.ToStr(item), out _);
        if (Values.IsList(container)) return Values.ListView(container).Any(x => Values.GroovyEquals(x, item));
        throw Error(ExpressionErrorKind.TypeMismatch, $"'in'/contains is not supported on a {Values.TypeName(container)}", pos);
    }

    private object? Arith(string op, object? l, object? r, int pos)
    {
        l = Values.Normalize(l);
        r = Values.Normalize(r);
        if (op == "+")
        {
            if (l is string || r is string || l is StringBuilderValue) return CheckString(Values.ToStr(l) + Values.ToStr(r), pos);
            if (l is List<object?> || (Values.IsList(l) && l is not null))
            {
                var list = new List<object?>(Values.ListView(l!));
                if (Values.IsList(r)) list.AddRange(Values.ListView(r!)); else list.Add(r);
                CheckCollection(list.Count, pos);
                return list;
            }
            if (Values.IsMap(l) && Values.IsMap(r))
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var e in Values.MapEntries(l!)) map[e.Key] = e.Value;
                foreach (var e in Values.MapEntries(r!)) map[e.Key] = e.Value;
                CheckCollection(map.Count, pos);
                return map;
            }
        }
        if (op == "-" && l is string ls && r is string rs)
        {
            int idx = ls.IndexOf(rs, StringComparison.Ordinal);
            return idx < 0 || rs.Length == 0 ? ls : ls.Remove(idx, rs.Length);
        }
        if (op == "-" && Values.IsList(l) && l is not null)
        {
            var remove = Values.IsList(r) ? Values.ListView(r!) : new List<object?> { r };
            return Values.ListView(l).Where(x => !remove.Any(y => Values.GroovyEquals(x, y))).ToList();
        }
        if (op == "*" && l is string rep && r is long times)
        {
            if (times < 0) throw Error(ExpressionErrorKind.InvalidArgument, "negative repeat count", pos);
            if ((double)rep.Length * times > _limits.MaxStringLength)
                throw Error(ExpressionErrorKind.StringTooLong, $"string of {(double)rep.Length * times} characters exceeds the limit of {_limits.MaxStringLength}", pos);
            return new StringBuilder(rep.Length * (int)times).Insert(0, rep, (int)times).ToString();
        }
        if (l is null || r is null)
            throw Error(ExpressionErrorKind.NullReference, $"cannot apply '{op}' to null", pos);
        if (!Values.IsNumber(l) || !Values.IsNumber(r))
            throw Error(ExpressionErrorKind.TypeMismatch, $"cannot apply '{op}' to a {Values.TypeName(l)} and a {Values.TypeName(r)}", pos);
        if (l is long a && r is long b)
        {
            try
            {
                switch (op)
                {
                    case "+": return checked(a + b);
                    case "-": return checked(a - b);
                    case "*": return checked(a * b);
                    case "%":
                        if (b == 0) throw Error(ExpressionErrorKind.DivideByZero, "division by zero", pos);
                        return a % b;
                    case "/":
                        if (b == 0) throw Error(ExpressionErrorKind.DivideByZero, "division by zero", pos);
                        return a % b == 0 ? (object)(a / b) : (double)a / b;
                }
            }
            catch (OverflowException ex)
            {
                throw Error(ExpressionErrorKind.ArithmeticOverflow, $"integer overflow in '{op}'", pos, ex);
            }
        }
        double x = Convert.ToDouble(l, CultureInfo.InvariantCulture), y = Convert.ToDouble(r, CultureInfo.InvariantCulture);
        switch (op)
        {
            case "+": return x + y;
            case "-": return x - y;
            case "*": return x * y;
            case "/":
                if (y == 0) throw Error(ExpressionErrorKind.DivideByZero, "division by zero", pos);
                return x / y;
            case "%":
                if (y == 0) throw Error(ExpressionErrorKind.DivideByZero, "division by zero", pos);
                return x % y;
        }
        throw Error(ExpressionErrorKind.Syntax, $"unknown operator '{op}'", pos);
    }

    private object? EvalNew(NewExpr ne, Scope scope)
    {
        var args = ne.Args.Select(a => Values.Normalize(Eval(a, scope))).ToArray();
        switch (ne.TypeName)
        {
            case "HashMap" or "LinkedHashMap" or "TreeMap" or "JSONObject":
            {
                var d = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (args.Length == 1 && Values.IsMap(args[0])) foreach (var e in Values.MapEntries(args[0]!)) d[e.Key] = e.Value;
                return d;
            }
            case "ArrayList" or "LinkedList" or "HashSet" or "LinkedHashSet" or "JSONArray":
            {
                var l = new List<object?>();
                if (args.Length == 1 && Values.IsList(args[0])) l.AddRange(Values.ListView(args[0]!));
                return l;
            }
            case "String[]" or "Object[]" or "int[]":
            {
                if (args.Length != 1 || args[0] is not long n || n < 0) throw Error(ExpressionErrorKind.InvalidArgument, "array size must be a non-negative integer", ne.Pos);
                CheckCollection((int)Math.Min(int.MaxValue, n), ne.Pos);
                return Enumerable.Repeat<object?>(null, (int)n).ToList();
            }
            case "StringBuilder" or "StringBuffer":
            {
                var sb = new StringBuilderValue();
                if (args.Length == 1 && args[0] is string s0) sb.Builder.Append(s0);
                return sb;
            }
            case "String":
                return args.Length == 0 ? "" : Values.ToStr(args[0]);
            case "JsonBuilder":
                return new JsonBuilderValue { Content = args.Length > 0 ? args[0] : null };
            case "JsonSlurper":
                return new JsonSlurperValue();
        }
        throw Error(ExpressionErrorKind.Forbidden, $"creating a '{ne.TypeName}' is not allowed in the sandbox", ne.Pos);
    }

    private object? Cast(object? v, string type, int pos)
    {
        v = Values.Normalize(v);
        switch (type)
        {
            case "String": return v is null ? null : Values.ToStr(v);
            case "Integer" or "int" or "Long" or "long" or "short" or "Short": return v is null ? null : ToLong(v, pos);
            case "Double" or "double" or "BigDecimal" or "float" or "Float" or "Number": return v is null ? null : ToDouble(v, pos);
            case "Boolean" or "boolean": return Values.Truthy(v);
            case "List" or "ArrayList" or "Collection" or "Set":
                return v is null ? null : Values.IsList(v) ? Values.ListView(v).ToList() : new List<object?> { v };
            case "Map" or "HashMap" or "LinkedHashMap" or "Object" or "def": return v;
        }
        throw Error(ExpressionErrorKind.Forbidden, $"cast to '{type}' is not supported", pos);
    }

    private long ToLong(object? v, int pos)
    {
        v = Values.Normalize(v);
        switch (v)
        {
            case long l: return l;
            case double d:
                if (double.IsNaN(d) || d > long.MaxValue || d < long.MinValue) throw Error(ExpressionErrorKind.ArithmeticOverflow, $"{d} does not fit an integer", pos);
                return (long)d;
            case string s:
                if (long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var r)) return r;
                throw Error(ExpressionErrorKind.InvalidArgument, $"'{Truncate(s)}' is not an integer", pos);
            case bool b: return b ? 1 : 0;
        }
        throw Error(ExpressionErrorKind.TypeMismatch, $"cannot convert a {Values.TypeName(v)} to an integer", pos);
    }

    private double ToDouble(object? v, int pos)
    {
        v = Values.Normalize(v);
        switch (v)
        {
            case long l: return l;
            case double d: return d;
            case string s:
                if (double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var r)) return r;
                throw Error(ExpressionErrorKind.InvalidArgument, $"'{Truncate(s)}' is not a number", pos);
        }
        throw Error(ExpressionErrorKind.TypeMismatch, $"cannot convert a {Values.TypeName(v)} to a number", pos);
    }

    private static string Truncate(string s) => s.Length > 50 ? s[..50] + "…" : s;

    // ------------------------------------------------------------------ calls
    private object? EvalCall(CallExpr c, Scope scope)
    {
        if (ForbiddenNames.Contains(c.Name)) throw Error(ExpressionErrorKind.Forbidden, $"'{c.Name}' is not available in the sandbox", c.Pos);
        if (c.Target is null)
        {
            if (scope.TryGet(c.Name, out var fn) && fn is ClosureValue closure)
                return CallClosure(closure, c.Args.Select(a => Eval(a, scope)).ToArray(), c.Pos);
            throw Error(ExpressionErrorKind.UnknownMethod, $"unknown function '{c.Name}'", c.Pos);
        }
        if (c.Target is IdentExpr cls && StaticClasses.Contains(cls.Name) && !scope.TryGet(cls.Name, out _))
        {
            return CallStatic(cls.Name, c.Name, c.Args.Select(a => Values.Normalize(Eval(a, scope))).ToArray(), c.Pos);
        }
        if (c.Target is MemberExpr qual && qual.Target is IdentExpr root && root.Name is "groovy" or "java" && !scope.TryGet(root.Name, out _))
        {
            return CallStatic(qual.Name, c.Name, c.Args.Select(a => Values.Normalize(Eval(a, scope))).ToArray(), c.Pos);
        }
        var target = Values.Normalize(Eval(c.Target, scope));
        var args = c.Args.Select(a => Values.Normalize(Eval(a, scope))).ToArray();
        if (target is null)
        {
            if (c.Safe) return null;
            switch (c.Name)
            {
                case "toString": return "null";
                case "equals": return args.Length == 1 && args[0] is null;
                case "is": return args.Length == 1 && args[0] is null;
                case "asBoolean": return false;
                case "inspect": return "null";
            }
            throw Error(ExpressionErrorKind.NullReference, $"cannot invoke method {c.Name}() on null object", c.Pos);
        }
        if (c.Spread) return Values.ListView(target).Select(x => x is null ? null : CallMethod(x, c.Name, args, c.Pos)).ToList();
        return CallMethod(target, c.Name, args, c.Pos);
    }

    private object? CallClosure(ClosureValue cv, object?[] args, int pos)
    {
        Enter(pos);
        var savedLast = _lastValue;
        try
        {
            var scope = new Scope(cv.Scope);
            var ps = cv.Expr.Params;
            if (ps.Count == 0) scope.Declare("it", args.Length > 0 ? args[0] : null);
            else if (ps.Count == 2 && args.Length == 1 && args[0] is MapEntryValue me)
            {
                scope.Declare(ps[0], me.Key);
                scope.Declare(ps[1], me.Value);
            }
            else
            {
                for (int i = 0; i < ps.Count; i++) scope.Declare(ps[i], i < args.Length ? args[i] : null);
            }
            _lastValue = null;
            var flow = ExecList(cv.Expr.Body, scope);
            return flow == Flow.Return ? _returnValue : _lastValue;
        }
        finally
        {
            _depth--;
            _lastValue = savedLast;
        }
    }

    private void Arity(object?[] args, int min, int max, string name, int pos)
    {
        if (args.Length < min || args.Length > max)
            throw Error(ExpressionErrorKind.InvalidArgument, $"{name}() expects {(min == max ? min.ToString(CultureInfo.InvariantCulture) : $"{min}..{max}")} argument(s), got {args.Length}", pos);
    }

    private string Str(object? v, string method, int pos) => v switch
    {
        string s => s,
        null => throw Error(ExpressionErrorKind.NullReference, $"{method}() received a null argument", pos),
        _ => Values.ToStr(v),
    };

    private int Int(object? v, string method, int pos)
    {
        var l = ToLong(v, pos);
        if (l > int.MaxValue || l < int.MinValue) throw Error(ExpressionErrorKind.InvalidArgument, $"{method}() argument {l} out of range", pos);
        return (int)l;
    }

    private ClosureValue Fn(object?[] args, string method, int pos)
    {
        if (args.Length >= 1 && args[^1] is ClosureValue cv) return cv;
        throw Error(ExpressionErrorKind.InvalidArgument, $"{method}() expects a closure {{ ... }}", pos);
    }

    private object? CallStatic(string cls, string name, object?[] a, int pos)
    {
        try
        {
            switch (cls, name)
            {
                case ("Math", "addExact"): Arity(a, 2, 2, name, pos); return ExactOp(a[0], a[1], "+", pos);
                case ("Math", "subtractExact"): Arity(a, 2, 2, name, pos); return ExactOp(a[0], a[1], "-", pos);
                case ("Math", "multiplyExact"): Arity(a, 2, 2, name, pos); return ExactOp(a[0], a[1], "*", pos);
                case ("Math", "max"): Arity(a, 2, 2, name, pos); return Compare(a[0], a[1], pos) >= 0 ? a[0] : a[1];
                case ("Math", "min"): Arity(a, 2, 2, name, pos); return Compare(a[0], a[1], pos) <= 0 ? a[0] : a[1];
                case ("Math", "abs"): Arity(a, 1, 1, name, pos); return a[0] is long l ? (object)Math.Abs(l) : Math.Abs(ToDouble(a[0], pos));
                case ("Math", "floor"): Arity(a, 1, 1, name, pos); return Math.Floor(ToDouble(a[0], pos));
                case ("Math", "ceil"): Arity(a, 1, 1, name, pos); return Math.Ceiling(ToDouble(a[0], pos));
                case ("Math", "round"): Arity(a, 1, 1, name, pos); return (long)Math.Floor(ToDouble(a[0], pos) + 0.5);
                case ("Integer" or "Long", "parseInt" or "parseLong" or "valueOf"):
                {
                    Arity(a, 1, 2, name, pos);
                    long v;
                    if (a.Length == 2)
                    {
                        try { v = Convert.ToInt64(Str(a[0], name, pos), Int(a[1], name, pos)); }
                        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException) { throw Error(ExpressionErrorKind.InvalidArgument, $"'{a[0]}' is not an integer in radix {a[1]}", pos, ex); }
                    }
                    else v = a[0] is string ? ToLong(a[0], pos) : ToLong(a[0], pos);
                    if (cls == "Integer" && (v > int.MaxValue || v < int.MinValue)) throw Error(ExpressionErrorKind.InvalidArgument, $"'{a[0]}' does not fit an Integer", pos);
                    return v;
                }
                case ("Integer" or "Long", "toString"): Arity(a, 1, 1, name, pos); return Values.ToStr(a[0]);
                case ("Double", "parseDouble" or "valueOf"): Arity(a, 1, 1, name, pos); return ToDouble(a[0], pos);
                case ("Boolean", "parseBoolean" or "valueOf"): Arity(a, 1, 1, name, pos); return a[0] is bool b ? b : string.Equals(Values.ToStr(a[0]), "true", StringComparison.OrdinalIgnoreCase);
                case ("String", "valueOf"): Arity(a, 1, 1, name, pos); return Values.ToStr(a[0]);
                case ("String", "join"):
                {
                    if (a.Length < 1) Arity(a, 2, 2, name, pos);
                    var items = a.Length == 2 && Values.IsList(a[1]) ? Values.ListView(a[1]!) : a.Skip(1).ToList();
                    return CheckString(string.Join(Str(a[0], name, pos), items.Select(Values.ToStr)), pos);
                }
                case ("String", "format"):
                {
                    if (a.Length < 1) Arity(a, 1, 1, name, pos);
                    return CheckString(JavaFormat(Str(a[0], name, pos), a.Skip(1).ToArray(), pos), pos);
                }
                case ("URLEncoder", "encode"): Arity(a, 1, 2, name, pos); return Uri.EscapeDataString(Str(a[0], name, pos)).Replace("%20", "+", StringComparison.Ordinal);
                case ("URLDecoder", "decode"): Arity(a, 1, 2, name, pos); return Uri.UnescapeDataString(Str(a[0], name, pos).Replace("+", " ", StringComparison.Ordinal));
                case ("JsonOutput", "toJson"): Arity(a, 1, 1, name, pos); return CheckString(Values.ToJson(a[0]), pos);
                case ("Objects", "isNull"): Arity(a, 1, 1, name, pos); return a[0] is null;
                case ("Objects", "nonNull"): Arity(a, 1, 1, name, pos); return a[0] is not null;
                case ("Objects", "equals"): Arity(a, 2, 2, name, pos); return Values.GroovyEquals(a[0], a[1]);
                case ("Objects", "toString"): Arity(a, 1, 2, name, pos); return a[0] is null && a.Length == 2 ? a[1] : Values.ToStr(a[0]);
                case ("Collections", "emptyList"): return new List<object?>();
                case ("Collections", "emptyMap"): return new Dictionary<string, object?>();
            }
        }
        catch (OverflowException ex)
        {
            throw Error(ExpressionErrorKind.ArithmeticOverflow, $"integer overflow in {cls}.{name}", pos, ex);
        }
        throw Error(ExpressionErrorKind.UnknownMethod, $"unknown static method {cls}.{name}()", pos);
    }

    private object ExactOp(object? x, object? y, string op, int pos)
    {
        long a = ToLong(x, pos), b = ToLong(y, pos);
        bool intRange = a is >= int.MinValue and <= int.MaxValue && b is >= int.MinValue and <= int.MaxValue;
        long r;
        try
        {
            r = op switch { "+" => checked(a + b), "-" => checked(a - b), _ => checked(a * b) };
        }
        catch (OverflowException ex)
        {
            throw Error(ExpressionErrorKind.ArithmeticOverflow, "long overflow", pos, ex);
        }
        if (intRange && (r > int.MaxValue || r < int.MinValue)) throw Error(ExpressionErrorKind.ArithmeticOverflow, "integer overflow", pos);
        return r;
    }

    private string JavaFormat(string format, object?[] args, int pos)
    {
        var sb = new StringBuilder();
        int argi = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length) { sb.Append(c); continue; }
            char f = format[++i];
            switch (f)
            {
                case '%': sb.Append('%'); break;
                case 'n': sb.Append('\n'); break;
                case 's' or 'd':
                    if (argi >= args.Length) throw Error(ExpressionErrorKind.InvalidArgument, "format has more placeholders than arguments", pos);
                    sb.Append(Values.ToStr(args[argi++]));
                    break;
                default: throw Error(ExpressionErrorKind.InvalidArgument, $"format specifier '%{f}' is not supported", pos);
            }
        }
        return sb.ToString();
    }

    private object? CallMethod(object target, string name, object?[] a, int pos)
    {
        // methods common to every value
        switch (name)
        {
            case "toString" when a.Length == 0: return CheckString(Values.ToStr(target), pos);
            case "equals": Arity(a, 1, 1, name, pos); return Values.GroovyEquals(target, a[0]);
            case "is": Arity(a, 1, 1, name, pos); return ReferenceEquals(target, a[0]) || Values.GroovyEquals(target, a[0]);
            case "inspect": return CheckString(Inspect(target), pos);
            case "asBoolean": return Values.Truthy(target);
            case "hashCode": return (long)Values.ToStr(target).GetHashCode(StringComparison.Ordinal);
            case "compareTo": Arity(a, 1, 1, name, pos); return (long)Compare(target, a[0], pos);
        }
        switch (target)
        {
            case string s: return StringMethod(s, name, a, pos);
            case long or double: return NumberMethod(target, name, a, pos);
            case bool: break;
            case StringBuilderValue sb:
                if (name == "append") { Arity(a, 1, 1, name, pos); sb.Builder.Append(Values.ToStr(a[0])); CheckString(sb.Builder.Length > _limits.MaxStringLength ? sb.Builder.ToString() : "", pos); return sb; }
                if (name == "length") return (long)sb.Builder.Length;
                break;
            case JsonBuilderValue jb:
                if (name is "toPrettyString") return Values.ToJToken(jb.Content).ToString(Formatting.Indented);
                if (name == "call") { Arity(a, 1, 1, name, pos); jb.Content = a[0]; return jb; }
                break;
            case JsonSlurperValue:
                if (name is "parseText")
                {
                    Arity(a, 1, 1, name, pos);
                    try { return JToken.Parse(Str(a[0], name, pos)); }
                    catch (JsonException ex) { throw Error(ExpressionErrorKind.InvalidArgument, $"parseText(): invalid JSON: {ex.Message}", pos, ex); }
                }
                break;
            case MapEntryValue me:
                if (name == "getKey") return me.Key;
                if (name == "getValue") return me.Value;
                break;
            case ClosureValue cv:
                if (name == "call") return CallClosure(cv, a, pos);
                break;
            default:
                if (Values.IsMap(target)) return MapMethod(target, name, a, pos);
                if (Values.IsList(target)) return ListMethod(target, name, a, pos);
                break;
        }
        throw Error(ExpressionErrorKind.UnknownMethod, $"unknown method {name}() on a {Values.TypeName(target)}", pos);
    }

    private string Inspect(object? v)
    {
        v = Values.Normalize(v);
        if (v is string s) return "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
        if (Values.IsMap(v))
        {
            var entries = Values.MapEntries(v!).ToList();
            return entries.Count == 0 ? "[:]" : "[" + string.Join(", ", entries.Select(e => Inspect(e.Key) + ":" + Inspect(e.Value))) + "]";
        }
        if (Values.IsList(v)) return "[" + string.Join(", ", Values.ListView(v!).Select(Inspect)) + "]";
        return Values.ToStr(v);
    }

    private Regex MakeRegex(string pattern, int pos)
    {
        try { return new Regex(pattern, RegexOptions.None, RegexTimeout); }
        catch (ArgumentException ex) { throw Error(ExpressionErrorKind.InvalidArgument, $"invalid regular expression '{Truncate(pattern)}': {ex.Message}", pos, ex); }
    }

    private object? StringMethod(string s, string name, object?[] a, int pos)
    {
        try
        {
            switch (name)
            {
                case "length" or "size": return (long)s.Length;
                case "isEmpty": return s.Length == 0;
                case "isBlank": return string.IsNullOrWhiteSpace(s);
                case "trim" or "strip": return s.Trim();
                case "toLowerCase": return s.ToLowerInvariant();
                case "toUpperCase": return s.ToUpperInvariant();
                case "capitalize": return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
                case "equalsIgnoreCase": Arity(a, 1, 1, name, pos); return a[0] is not null && string.Equals(s, Values.ToStr(a[0]), StringComparison.OrdinalIgnoreCase);
                case "contains": Arity(a, 1, 1, name, pos); return s.Contains(Str(a[0], name, pos), StringComparison.Ordinal);
                case "startsWith": Arity(a, 1, 1, name, pos); return s.StartsWith(Str(a[0], name, pos), StringComparison.Ordinal);
                case "endsWith": Arity(a, 1, 1, name, pos); return s.EndsWith(Str(a[0], name, pos), StringComparison.Ordinal);
                case "indexOf": Arity(a, 1, 2, name, pos); return (long)s.IndexOf(Str(a[0], name, pos), a.Length == 2 ? Math.Clamp(Int(a[1], name, pos), 0, s.Length) : 0, StringComparison.Ordinal);
                case "lastIndexOf": Arity(a, 1, 1, name, pos); return (long)s.LastIndexOf(Str(a[0], name, pos), StringComparison.Ordinal);
                case "charAt" or "getAt":
                {
                    Arity(a, 1, 1, name, pos);
                    return IndexInto(s, a[0], pos);
                }
                case "substring":
                {
                    Arity(a, 1, 2, name, pos);
                    int from = Int(a[0], name, pos);
                    int to = a.Length == 2 ? Int(a[1], name, pos) : s.Length;
                    if (from < 0 || to > s.Length || from > to)
                        throw Error(ExpressionErrorKind.IndexOutOfRange, $"substring({from}, {to}) out of range for a string of length {s.Length}", pos);
                    return s[from..to];
                }
                case "take": Arity(a, 1, 1, name, pos); return s[..Math.Clamp(Int(a[0], name, pos), 0, s.Length)];
                case "drop": Arity(a, 1, 1, name, pos); return s[Math.Clamp(Int(a[0], name, pos), 0, s.Length)..];
                case "reverse": return new string(s.Reverse().ToArray());
                case "concat" or "plus": Arity(a, 1, 1, name, pos); return CheckString(s + Values.ToStr(a[0]), pos);
                case "replace":
                {
                    Arity(a, 2, 2, name, pos);
                    var from = Str(a[0], name, pos);
                    var to = Str(a[1], name, pos);
                    if (from.Length == 0) throw Error(ExpressionErrorKind.InvalidArgument, "replace() with an empty search string", pos);
                    return CheckString(s.Replace(from, to, StringComparison.Ordinal), pos);
                }
                case "replaceAll":
                    Arity(a, 2, 2, name, pos);
                    return CheckString(MakeRegex(Str(a[0], name, pos), pos).Replace(s, JavaReplacement(Str(a[1], name, pos))), pos);
                case "replaceFirst":
                    Arity(a, 2, 2, name, pos);
                    return CheckString(MakeRegex(Str(a[0], name, pos), pos).Replace(s, JavaReplacement(Str(a[1], name, pos)), 1), pos);
                case "matches": Arity(a, 1, 1, name, pos); return FullMatch(s, Str(a[0], name, pos), pos);
                case "split":
                {
                    Arity(a, 0, 2, name, pos);
                    if (a.Length == 0) return s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Cast<object?>().ToList();
                    var pattern = Str(a[0], name, pos);
                    int limit = a.Length == 2 ? Int(a[1], name, pos) : 0;
                    var rx = MakeRegex(pattern, pos);
                    var parts = (limit > 0 ? rx.Split(s, limit) : rx.Split(s)).ToList();
                    if (parts.Count > 1 && parts[0].Length == 0 && pattern.Length > 0 && rx.Match(s) is { Success: true, Index: 0, Length: 0 }) parts.RemoveAt(0);
                    if (limit == 0) while (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
                    if (s.Length == 0) parts = new List<string> { "" };
                    CheckCollection(parts.Count, pos);
                    return parts.Cast<object?>().ToList();
                }
                case "tokenize":
                {
                    Arity(a, 0, 1, name, pos);
                    var seps = a.Length == 0 ? new[] { ' ', '\t', '\n', '\r', '\f' } : Str(a[0], name, pos).ToCharArray();
                    var parts = s.Split(seps, StringSplitOptions.RemoveEmptyEntries);
                    CheckCollection(parts.Length, pos);
                    return parts.Cast<object?>().ToList();
                }
                case "toInteger" or "toLong" or "asInteger":
                    if (!long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var iv))
                        throw Error(ExpressionErrorKind.InvalidArgument, $"'{Truncate(s)}' is not an integer", pos);
                    return iv;
                case "toDouble" or "toBigDecimal" or "toFloat": return ToDouble(s, pos);
                case "toBoolean": return s.Trim() is "true" or "TRUE" or "True" or "y" or "Y" or "1";
                case "isNumber" or "isBigDecimal" or "isDouble": return double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);
                case "isInteger" or "isLong": return long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
                case "toList" or "toCharArray" or "chars": return s.Select(c => (object?)c.ToString()).ToList();
                case "padLeft":
                    Arity(a, 1, 2, name, pos);
                    return CheckString(s.PadLeft(Math.Min(Int(a[0], name, pos), _limits.MaxStringLength + 1), a.Length == 2 ? Str(a[1], name, pos).FirstOrDefault(' ') : ' '), pos);
                case "padRight":
                    Arity(a, 1, 2, name, pos);
                    return CheckString(s.PadRight(Math.Min(Int(a[0], name, pos), _limits.MaxStringLength + 1), a.Length == 2 ? Str(a[1], name, pos).FirstOrDefault(' ') : ' '), pos);
                case "multiply": Arity(a, 1, 1, name, pos); return Arith("*", s, a[0], pos);
                case "encodeURL" or "urlEncode": return Uri.EscapeDataString(s);
                case "encodeBase64": return Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
                case "decodeBase64":
                    try { return Encoding.UTF8.GetString(Convert.FromBase64String(s)); }
                    catch (FormatException ex) { throw Error(ExpressionErrorKind.InvalidArgument, "decodeBase64(): not Base64", pos, ex); }
                case "getBytes": return Encoding.UTF8.GetBytes(s).Select(b => (object?)(long)b).ToList();
                case "format": return CheckString(JavaFormat(s, a, pos), pos);
            }
        }
        catch (RegexMatchTimeoutException ex)
        {
            throw Error(ExpressionErrorKind.Timeout, $"regular expression in {name}() timed out", pos, ex);
        }
        throw Error(ExpressionErrorKind.UnknownMethod, $"unknown method {name}() on a String", pos);
    }

    private static string JavaReplacement(string java)
    {
        // Java: $1 and \$ ; .NET: $1 and $$
        var sb = new StringBuilder();
        for (int i = 0; i < java.Length; i++)
        {
            if (java[i] == '\\' && i + 1 < java.Length) { var n = java[++i]; sb.Append(n == '$' ? "$$" : n.ToString()); }
            else sb.Append(java[i]);
        }
        return sb.ToString();
    }

    private object? NumberMethod(object n, string name, object?[] a, int pos)
    {
        switch (name)
        {
            case "intValue" or "longValue" or "toInteger" or "toLong" or "asInteger": return ToLong(n, pos);
            case "doubleValue" or "toDouble" or "floatValue" or "toBigDecimal": return ToDouble(n, pos);
            case "plus": Arity(a, 1, 1, name, pos); return Arith("+", n, a[0], pos);
            case "minus": Arity(a, 1, 1, name, pos); return Arith("-", n, a[0], pos);
            case "multiply": Arity(a, 1, 1, name, pos); return Arith("*", n, a[0], pos);
            case "div": Arity(a, 1, 1, name, pos); return Arith("/", n, a[0], pos);
            case "mod": Arity(a, 1, 1, name, pos); return Arith("%", n, a[0], pos);
            case "intdiv":
            {
                Arity(a, 1, 1, name, pos);
                long x = ToLong(n, pos), y = ToLong(a[0], pos);
                if (y == 0) throw Error(ExpressionErrorKind.DivideByZero, "division by zero", pos);
                return x / y;
            }
            case "abs": return n is long l ? (object)Math.Abs(l) : Math.Abs((double)n);
            case "times":
            {
                var fn = Fn(a, name, pos);
                long count = ToLong(n, pos);
                for (long i = 0; i < count; i++) { Step(pos); CallClosure(fn, new object?[] { i }, pos); }
                return null;
            }
        }
        throw Error(ExpressionErrorKind.UnknownMethod, $"unknown method {name}() on a {Values.TypeName(n)}", pos);
    }

    private object? MapMethod(object map, string name, object?[] a, int pos)
    {
        switch (name)
        {
            case "get" or "getAt":
                Arity(a, 1, 2, name, pos);
                return Values.TryGetMapValue(map, Values.ToStr(a[0]), out var v) ? v : (a.Length == 2 ? a[1] : null);
            case "getOrDefault":
                Arity(a, 2, 2, name, pos);
                return Values.TryGetMapValue(map, Values.ToStr(a[0]), out var dv) ? dv : a[1];
            case "containsKey": Arity(a, 1, 1, name, pos); return Values.TryGetMapValue(map, Values.ToStr(a[0]), out _);
            case "containsValue": Arity(a, 1, 1, name, pos); return Values.MapEntries(map).Any(e => Values.GroovyEquals(e.Value, a[0]));
            case "keySet" or "keys": return Values.MapEntries(map).Select(e => (object?)e.Key).ToList();
            case "values": return Values.MapEntries(map).Select(e => e.Value).ToList();
            case "entrySet": return Values.MapEntries(map).Cast<object?>().ToList();
            case "size": return (long)Values.MapCount(map);
            case "isEmpty": return Values.MapCount(map) == 0;
            case "put":
                Arity(a, 2, 2, name, pos);
                PutInto(map, Values.ToStr(a[0]), a[1], pos);
                return null;
            case "putAll":
                Arity(a, 1, 1, name, pos);
                foreach (var e in Values.MapEntries(a[0] ?? new Dictionary<string, object?>())) PutInto(map, e.Key, e.Value, pos);
                return null;
            case "remove":
                Arity(a, 1, 1, name, pos);
                if (map is Dictionary<string, object?> d) { d.Remove(Values.ToStr(a[0]), out var removed); return removed; }
                throw Error(ExpressionErrorKind.Forbidden, "cannot modify a map that was not created by the expression", pos);
        }
        // closure-based methods iterate over entries
        return ListMethod(Values.MapEntries(map).Cast<object?>().ToList(), name, a, pos, isMap: true);
    }

    private object? ListMethod(object listObj, string name, object?[] a, int pos, bool isMap = false)
    {
        var list = Values.ListView(listObj);
        switch (name)
        {
            case "size" when !isMap: return (long)list.Count;
            case "isEmpty" when !isMap: return list.Count == 0;
            case "get" or "getAt" when !isMap: Arity(a, 1, 1, name, pos); return IndexInto(listObj, a[0], pos);
            case "contains" when !isMap: Arity(a, 1, 1, name, pos); return list.Any(x => Values.GroovyEquals(x, a[0]));
            case "indexOf" when !isMap: Arity(a, 1, 1, name, pos); return (long)IndexWhere(list, x => Values.GroovyEquals(x, a[0]));
            case "join":
                Arity(a, 0, 1, name, pos);
                return CheckString(string.Join(a.Length == 1 ? Values.ToStr(a[0]) : "", list.Select(Values.ToStr)), pos);
            case "first": return list.Count == 0 ? throw Error(ExpressionErrorKind.IndexOutOfRange, "first() on an empty list", pos) : list[0];
            case "last": return list.Count == 0 ? throw Error(ExpressionErrorKind.IndexOutOfRange, "last() on an empty list", pos) : list[^1];
            case "head": return list.Count == 0 ? null : list[0];
            case "subList" when !isMap:
            {
                Arity(a, 2, 2, name, pos);
                int from = Int(a[0], name, pos), to = Int(a[1], name, pos);
                if (from < 0 || to > list.Count || from > to) throw Error(ExpressionErrorKind.IndexOutOfRange, $"subList({from}, {to}) out of range for size {list.Count}", pos);
                return list.Skip(from).Take(to - from).ToList();
            }
            case "take": Arity(a, 1, 1, name, pos); return list.Take(Int(a[0], name, pos)).ToList();
            case "drop": Arity(a, 1, 1, name, pos); return list.Skip(Int(a[0], name, pos)).ToList();
            case "reverse": return list.Reverse().ToList();
            case "unique" or "toUnique":
            {
                var r = new List<object?>();
                foreach (var x in list) if (!r.Any(y => Values.GroovyEquals(x, y))) r.Add(x);
                if (listObj is List<object?> own && name == "unique") { own.Clear(); own.AddRange(r); return own; }
                return r;
            }
            case "sort":
            {
                var r = list.ToList();
                try { r.Sort((x, y) => Compare(Values.Normalize(x), Values.Normalize(y), pos)); }
                catch (InvalidOperationException ex) when (ex.InnerException is ExpressionException ee) { throw ee; }
                return r;
            }
            case "sum":
            {
                object? acc = null;
                foreach (var x in list) acc = acc is null ? x : Arith("+", acc, x, pos);
                return acc ?? 0L;
            }
            case "max": return list.Count == 0 ? null : list.Aggregate((x, y) => Compare(x, y, pos) >= 0 ? x : y);
            case "min": return list.Count == 0 ? null : list.Aggregate((x, y) => Compare(x, y, pos) <= 0 ? x : y);
            case "flatten":
            {
                var r = new List<object?>();
                void Add(object? x) { if (Values.IsList(x) && x is not null) foreach (var y in Values.ListView(x)) Add(y); else { r.Add(x); CheckCollection(r.Count, pos); } }
                foreach (var x in list) Add(x);
                return r;
            }
            case "add" when listObj is List<object?> own:
                Arity(a, 1, 2, name, pos);
                if (a.Length == 2) own.Insert(Math.Clamp(Int(a[0], name, pos), 0, own.Count), a[1]); else own.Add(a[0]);
                CheckCollection(own.Count, pos);
                return true;
            case "addAll" when listObj is List<object?> own:
                Arity(a, 1, 1, name, pos);
                own.AddRange(Values.IsList(a[0]) ? Values.ListView(a[0]!) : new List<object?> { a[0] });
                CheckCollection(own.Count, pos);
                return true;
            case "remove" when listObj is List<object?> own:
            {
                Arity(a, 1, 1, name, pos);
                if (a[0] is long ri) { if (ri < 0 || ri >= own.Count) throw Error(ExpressionErrorKind.IndexOutOfRange, $"remove({ri}) out of range", pos); var old = own[(int)ri]; own.RemoveAt((int)ri); return old; }
                int idx = IndexWhere(own, x => Values.GroovyEquals(x, a[0]));
                if (idx >= 0) own.RemoveAt(idx);
                return idx >= 0;
            }
            case "add" or "addAll" or "remove":
                throw Error(ExpressionErrorKind.Forbidden, "cannot modify a list that was not created by the expression", pos);
            case "plus": Arity(a, 1, 1, name, pos); return Arith("+", listObj, a[0], pos);
            case "minus": Arity(a, 1, 1, name, pos); return Arith("-", listObj, a[0], pos);
            case "each":
            {
                var fn = Fn(a, name, pos);
                foreach (var x in list) { Step(pos); CallClosure(fn, new[] { x }, pos); }
                return listObj;
            }
            case "eachWithIndex":
            {
                var fn = Fn(a, name, pos);
                for (int i = 0; i < list.Count; i++)
                {
                    Step(pos);
                    if (isMap && fn.Expr.Params.Count == 3 && list[i] is MapEntryValue me) CallClosure(fn, new object?[] { me.Key, me.Value, (long)i }, pos);
                    else CallClosure(fn, new[] { list[i], (long)i }, pos);
                }
                return listObj;
            }
            case "collect":
            {
                var fn = Fn(a, name, pos);
                var r = new List<object?>(list.Count);
                foreach (var x in list) { Step(pos); r.Add(CallClosure(fn, new[] { x }, pos)); }
                return r;
            }
            case "collectEntries":
            {
                var fn = Fn(a, name, pos);
                var r = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var x in list)
                {
                    Step(pos);
                    var kv = Values.Normalize(CallClosure(fn, new[] { x }, pos));
                    if (Values.IsMap(kv)) foreach (var e in Values.MapEntries(kv!)) r[e.Key] = e.Value;
                    else if (Values.IsList(kv) && Values.ListView(kv!).Count == 2) r[Values.ToStr(Values.ListView(kv!)[0])] = Values.ListView(kv!)[1];
                    else throw Error(ExpressionErrorKind.TypeMismatch, "collectEntries closure must return a [key, value] pair or a map", pos);
                    CheckCollection(r.Count, pos);
                }
                return r;
            }
            case "find":
            {
                var fn = Fn(a, name, pos);
                foreach (var x in list) { Step(pos); if (Values.Truthy(CallClosure(fn, new[] { x }, pos))) return x; }
                return null;
            }
            case "findAll":
            {
                var fn = Fn(a, name, pos);
                var r = new List<object?>();
                foreach (var x in list) { Step(pos); if (Values.Truthy(CallClosure(fn, new[] { x }, pos))) r.Add(x); }
                if (isMap)
                {
                    var m = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var me in r.OfType<MapEntryValue>()) m[me.Key] = me.Value;
                    return m;
                }
                return r;
            }
            case "findResult":
            {
                var fn = Fn(a, name, pos);
                foreach (var x in list) { Step(pos); var v = CallClosure(fn, new[] { x }, pos); if (v is not null) return v; }
                return null;
            }
            case "any":
            {
                if (a.Length == 0) return list.Any(Values.Truthy);
                var fn = Fn(a, name, pos);
                foreach (var x in list) { Step(pos); if (Values.Truthy(CallClosure(fn, new[] { x }, pos))) return true; }
                return false;
            }
            case "every":
            {
                if (a.Length == 0) return list.All(Values.Truthy);
                var fn = Fn(a, name, pos);
                foreach (var x in list) { Step(pos); if (!Values.Truthy(CallClosure(fn, new[] { x }, pos))) return false; }
                return true;
            }
            case "count":
            {
                Arity(a, 1, 1, name, pos);
                if (a[0] is ClosureValue fn)
                {
                    long n = 0;
                    foreach (var x in list) { Step(pos); if (Values.Truthy(CallClosure(fn, new[] { x }, pos))) n++; }
                    return n;
                }
                return (long)list.Count(x => Values.GroovyEquals(x, a[0]));
            }
        }
        throw Error(ExpressionErrorKind.UnknownMethod, $"unknown method {name}() on a {(isMap ? "Map" : "List")}", pos);
    }

    private static int IndexWhere(IReadOnlyList<object?> list, Func<object?, bool> pred)
    {
        for (int i = 0; i < list.Count; i++) if (pred(list[i])) return i;
        return -1;
    }
}

/// <summary>groovy.json.JsonSlurper stand-in (parseText only).</summary>
internal sealed class JsonSlurperValue
{
}
