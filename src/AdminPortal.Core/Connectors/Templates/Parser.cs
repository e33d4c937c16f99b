namespace AdminPortal.Core.Connectors.Templates;

/// <summary>Recursive-descent parser for the Groovy subset; produces a list of statements.</summary>
internal sealed class Parser
{
    internal static readonly HashSet<string> TypeNames = new(StringComparer.Ordinal)
    {
        "String", "int", "long", "Integer", "Long", "Map", "HashMap", "LinkedHashMap", "List", "ArrayList", "Object",
        "boolean", "Boolean", "double", "Double", "float", "BigDecimal", "Number", "def", "var", "char", "short",
        "Collection", "Set", "HashSet", "StringBuilder", "JSONObject", "JSONArray",
    };

    private readonly string _src;
    private readonly List<Token> _tokens;
    private readonly EvaluationLimits _limits;
    private int _i;
    private int _depth;

    public Parser(string source, EvaluationLimits limits)
    {
        _src = source;
        _limits = limits;
        if (source.Length > limits.MaxExpressionLength)
        {
            throw new ExpressionException(ExpressionErrorKind.StringTooLong,
                $"expression is {source.Length} characters long; the limit is {limits.MaxExpressionLength}", source, limits.MaxExpressionLength);
        }
        _tokens = new Lexer(source).Tokenize();
    }

    public IReadOnlyList<Stmt> ParseProgram()
    {
        var list = new List<Stmt>();
        while (Peek.Kind != TokenKind.End)
        {
            if (IsOp(";")) { _i++; continue; }
            list.Add(ParseStatement());
        }
        return list;
    }

    private Token Peek => _tokens[_i];
    private Token PeekAt(int k) => _tokens[Math.Min(_i + k, _tokens.Count - 1)];
    private bool IsOp(string op) => Peek.Kind == TokenKind.Operator && Peek.Text == op;
    private bool IsOpAt(int k, string op) => PeekAt(k).Kind == TokenKind.Operator && PeekAt(k).Text == op;
    private bool IsWord(string w) => Peek.Kind == TokenKind.Identifier && Peek.Text == w;

    private ExpressionException Error(string message, Token? at = null, ExpressionErrorKind kind = ExpressionErrorKind.Syntax)
        => new(kind, message, _src, (at ?? Peek).Offset);

    private Token Expect(string op)
    {
        if (!IsOp(op))
        {
            var found = Peek.Kind == TokenKind.End ? "end of expression" : $"'{Peek.Text}'";
            throw Error($"expected '{op}' but found {found}");
        }
        return _tokens[_i++];
    }

    private string ExpectIdent()
    {
        if (Peek.Kind != TokenKind.Identifier) throw Error($"expected a name but found '{Peek.Text}'");
        return _tokens[_i++].Text;
    }

    private void Enter()
    {
        if (++_depth > _limits.MaxDepth) throw Error($"nesting deeper than {_limits.MaxDepth} levels", kind: ExpressionErrorKind.DepthLimitExceeded);
    }

    private void Leave() => _depth--;

    // ------------------------------------------------------------------ statements
    private Stmt ParseStatement()
    {
        Enter();
        try
        {
            var t = Peek;
            Stmt s;
            if (IsOp("{")) s = new BlockStmt(t.Offset, ParseBlockBody());
            else if (IsWord("if")) s = ParseIf();
            else if (IsWord("for")) s = ParseFor();
            else if (IsWord("while")) s = ParseWhile();
            else if (IsWord("return"))
            {
                _i++;
                Expr? value = null;
                if (!Peek.NewLineBefore && !IsOp(";") && !IsOp("}") && Peek.Kind != TokenKind.End) value = ParseExpression();
                s = new ReturnStmt(t.Offset, value);
            }
            else if (IsWord("break")) { _i++; s = new BreakStmt(t.Offset); }
            else if (IsWord("continue")) { _i++; s = new ContinueStmt(t.Offset); }
            else if (IsWord("try")) s = ParseTry();
            else if (IsWord("final")) { _i++; return ParseStatement(); }
            else if (TryParseDeclaration(out var decl)) s = decl!;
            else s = new ExprStmt(t.Offset, ParseExpression());
            if (IsOp(";")) _i++;
            return s;
        }
        finally { Leave(); }
    }

    private IReadOnlyList<Stmt> ParseBlockBody()
    {
        Expect("{");
        var list = new List<Stmt>();
        while (!IsOp("}"))
        {
            if (Peek.Kind == TokenKind.End) throw Error("missing '}' to close block", kind: ExpressionErrorKind.UnbalancedBraces);
            if (IsOp(";")) { _i++; continue; }
            list.Add(ParseStatement());
        }
        _i++;
        return list;
    }

    private Stmt ParseBody() => IsOp("{") ? new BlockStmt(Peek.Offset, ParseBlockBody()) : ParseStatement();

    private Stmt ParseIf()
    {
        var t = _tokens[_i++];
        Expect("(");
        var cond = ParseExpression();
        Expect(")");
        var then = ParseBody();
        if (IsOp(";") && PeekAt(1).Kind == TokenKind.Identifier && PeekAt(1).Text == "else") _i++;
        Stmt? els = null;
        if (IsWord("else")) { _i++; els = ParseBody(); }
        return new IfStmt(t.Offset, cond, then, els);
    }

    private Stmt ParseWhile()
    {
        var t = _tokens[_i++];
        Expect("(");
        var cond = ParseExpression();
        Expect(")");
        return new WhileStmt(t.Offset, cond, ParseBody());
    }

    private Stmt ParseTry()
    {
        var t = _tokens[_i++];
        var body = ParseBlockBody();
        string? var = null;
        IReadOnlyList<Stmt>? handler = null;
        if (IsWord("catch"))
        {
            _i++;
            Expect("(");
            SkipType();
            var = ExpectIdent();
            Expect(")");
            handler = ParseBlockBody();
        }
        if (IsWord("finally")) throw Error("'finally' is not supported");
        return new TryStmt(t.Offset, body, var, handler ?? Array.Empty<Stmt>());
    }

    private Stmt ParseFor()
    {
        var t = _tokens[_i++];
        Expect("(");
        // for (x in list) / for (Type x : list) / for (def x in list)
        int save = _i;
        if (Peek.Kind == TokenKind.Identifier)
        {
            int k = 0;
            if ((PeekAt(1).Kind == TokenKind.Identifier && PeekAt(1).Text != "in") || IsOpAt(1, "<") || IsOpAt(1, "["))
            {
                // typed variable
                int before = _i;
                SkipType();
                k = _i - before;
                _i = before;
            }
            var nameTok = PeekAt(k);
            bool isIn = nameTok.Kind == TokenKind.Identifier && ((PeekAt(k + 1).Kind == TokenKind.Identifier && PeekAt(k + 1).Text == "in") || IsOpAt(k + 1, ":"));
            if (isIn)
            {
                _i += k;
                var name = ExpectIdent();
                _i++; // in / :
                var iterable = ParseExpression();
                Expect(")");
                return new ForInStmt(t.Offset, name, iterable, ParseBody());
            }
        }
        _i = save;
        Stmt? init = null;
        if (!IsOp(";"))
        {
            if (!TryParseDeclaration(out init)) init = new ExprStmt(Peek.Offset, ParseExpression());
        }
        Expect(";");
        Expr? cond = IsOp(";") ? null : ParseExpression();
        Expect(";");
        var updates = new List<Expr>();
        while (!IsOp(")"))
        {
            updates.Add(ParseExpression());
            if (IsOp(",")) _i++;
            else break;
        }
        Expect(")");
        return new ForCStmt(t.Offset, init, cond, updates, ParseBody());
    }

    private void SkipType()
    {
        if (Peek.Kind != TokenKind.Identifier) return;
        if (PeekAt(1).Kind != TokenKind.Identifier && !IsOpAt(1, "<") && !IsOpAt(1, "[") && !IsOpAt(1, ".")) return;
        _i++;
        while (IsOp(".") && PeekAt(1).Kind == TokenKind.Identifier) _i += 2;
        if (IsOp("<"))
        {
            int depth = 0;
            do
            {
                if (IsOp("<")) depth++;
                else if (IsOp(">")) depth--;
                else if (Peek.Kind == TokenKind.End) throw Error("unterminated generic type");
                _i++;
            } while (depth > 0);
        }
        while (IsOp("[") && IsOpAt(1, "]")) _i += 2;
    }

    private bool TryParseDeclaration(out Stmt? decl)
    {
        decl = null;
        if (Peek.Kind != TokenKind.Identifier) return false;
        var start = Peek;
        bool isDef = start.Text is "def" or "var";
        if (!isDef && !TypeNames.Contains(start.Text)) return false;
        int save = _i;
        if (isDef) _i++;
        else
        {
            _i++;
            if (IsOp("<"))
            {
                int depth = 0;
                do
                {
                    if (IsOp("<")) depth++;
                    else if (IsOp(">")) depth--;
                    else if (Peek.Kind == TokenKind.End) { _i = save; return false; }
                    _i++;
                } while (depth > 0);
            }
            while (IsOp("[") && IsOpAt(1, "]")) _i += 2;
        }
        if (Peek.Kind != TokenKind.Identifier || (!isDef && (IsOpAt(1, "(") || IsOpAt(1, "."))))
        {
            _i = save;
            return false;
        }
        var name = ExpectIdent();
        Expr? init = null;
        if (IsOp("=")) { _i++; init = ParseExpression(); }
        decl = new VarDeclStmt(start.Offset, name, init);
        return true;
    }

    // ------------------------------------------------------------------ expressions
    internal Expr ParseExpression()
    {
        Enter();
        try { return ParseAssignment(); }
        finally { Leave(); }
    }

    private Expr ParseAssignment()
    {
        var left = ParseTernary();
        if (Peek.Kind == TokenKind.Operator && Peek.Text is "=" or "+=" or "-=" or "*=" or "/=")
        {
            var op = _tokens[_i++];
            if (left is not (IdentExpr or MemberExpr or IndexExpr)) throw Error("invalid assignment target", op);
            var value = ParseAssignment();
            return new AssignExpr(op.Offset, left, op.Text, value);
        }
        return left;
    }

    private Expr ParseTernary()
    {
        var cond = ParseBinary(0);
        if (IsOp("?:"))
        {
            var t = _tokens[_i++];
            return new ElvisExpr(t.Offset, cond, ParseTernary());
        }
        if (IsOp("?"))
        {
            var t = _tokens[_i++];
            var then = ParseTernary();
            Expect(":");
            var els = ParseTernary();
            return new TernaryExpr(t.Offset, cond, then, els);
        }
        return cond;
    }

    private static readonly string[][] Levels =
    {
        new[] { "||" },
        new[] { "&&" },
        new[] { "==", "!=", "==~", "=~" },
        new[] { "<", ">", "<=", ">=", "instanceof", "in", "as" },
        new[] { "<<" },
        new[] { "+", "-" },
        new[] { "*", "/", "%" },
    };

    private Expr ParseBinary(int level)
    {
        if (level >= Levels.Length) return ParseUnary();
        Enter();
        try
        {
            var left = ParseBinary(level + 1);
            while (true)
            {
                var t = Peek;
                bool match = (t.Kind == TokenKind.Operator || (t.Kind == TokenKind.Identifier && t.Text is "instanceof" or "in" or "as"))
                             && Array.IndexOf(Levels[level], t.Text) >= 0;
                // a '+'/'-' at the start of a new line begins a new statement in Groovy
                if (!match || (t.NewLineBefore && t.Text is "+" or "-")) return left;
                _i++;
                if (t.Text is "instanceof" or "as")
                {
                    var typeTok = Peek;
                    SkipTypeName();
                    var typeName = _src[typeTok.Offset..PeekPrevEnd()];
                    var simple = typeName.Split('.').Last().Split('<')[0].Trim();
                    left = t.Text == "as" ? new CastExpr(t.Offset, left, simple) : new InstanceOfExpr(t.Offset, left, simple);
                    continue;
                }
                var right = ParseBinary(level + 1);
                left = new BinaryExpr(t.Offset, t.Text, left, right);
            }
        }
        finally { Leave(); }
    }

    private int PeekPrevEnd()
    {
        var prev = _tokens[_i - 1];
        return prev.Offset + prev.Text.Length;
    }

    private void SkipTypeName()
    {
        ExpectIdent();
        while (IsOp(".") && PeekAt(1).Kind == TokenKind.Identifier) _i += 2;
        while (IsOp("[") && IsOpAt(1, "]")) _i += 2;
    }

    private Expr ParseUnary()
    {
        Enter();
        try
        {
            var t = Peek;
            if (t.Kind == TokenKind.Operator)
            {
                switch (t.Text)
                {
                    case "!":
                    case "-":
                    case "+":
                        _i++;
                        return new UnaryExpr(t.Offset, t.Text, ParseUnary());
                    case "++":
                    case "--":
                        _i++;
                        return new IncDecExpr(t.Offset, ParseUnary(), t.Text, true);
                    case "(" when PeekAt(1).Kind == TokenKind.Identifier && TypeNames.Contains(PeekAt(1).Text) && IsOpAt(2, ")")
                                  && PeekAt(3).Kind is TokenKind.Identifier or TokenKind.String or TokenKind.Number:
                        _i += 3;
                        return new CastExpr(t.Offset, ParseUnary(), PeekAt(-2).Text);
                }
            }
            return ParsePostfix(ParsePrimary());
        }
        finally { Leave(); }
    }

    private Expr ParsePostfix(Expr expr)
    {
        while (true)
        {
            var t = Peek;
            if (t.Kind != TokenKind.Operator) return expr;
            switch (t.Text)
            {
                case ".":
                case "?.":
                case "*.":
                {
                    _i++;
                    bool safe = t.Text == "?.", spread = t.Text == "*.";
                    string name;
                    var nameTok = Peek;
                    if (Peek.Kind == TokenKind.Identifier) name = _tokens[_i++].Text;
                    else if (Peek.Kind == TokenKind.String && !Peek.Interpolated) name = (string)_tokens[_i++].Value!;
                    else throw Error($"expected a property or method name after '{t.Text}'");
                    if (IsOp("(") && !Peek.NewLineBefore)
                    {
                        var args = ParseArgs();
                        if (IsOp("{") && !Peek.NewLineBefore) args.Add(ParseClosure());
                        expr = new CallExpr(nameTok.Offset, expr, name, args, safe, spread);
                    }
                    else if (IsOp("{") && !Peek.NewLineBefore)
                    {
                        expr = new CallExpr(nameTok.Offset, expr, name, new List<Expr> { ParseClosure() }, safe, spread);
                    }
                    else
                    {
                        expr = new MemberExpr(nameTok.Offset, expr, name, safe, spread);
                    }
                    break;
                }
                case "[":
                {
                    if (t.NewLineBefore) return expr;
                    _i++;
                    var index = ParseExpression();
                    Expect("]");
                    expr = new IndexExpr(t.Offset, expr, index, false);
                    break;
                }
                case "(" when expr is IdentExpr or ClosureExpr && !t.NewLineBefore:
                {
                    var args = ParseArgs();
                    if (IsOp("{") && !Peek.NewLineBefore) args.Add(ParseClosure());
                    expr = expr is IdentExpr id ? new CallExpr(id.Pos, null, id.Name, args, false, false) : new InvokeExpr(t.Offset, expr, args);
                    break;
                }
                case "++":
                case "--":
                    if (t.NewLineBefore) return expr;
                    _i++;
                    expr = new IncDecExpr(t.Offset, expr, t.Text, false);
                    break;
                default:
                    return expr;
            }
        }
    }

    private List<Expr> ParseArgs()
    {
        Expect("(");
        var args = new List<Expr>();
        if (IsOp(")")) { _i++; return args; }
        // named arguments (map) are not supported; positional only
        while (true)
        {
            args.Add(ParseExpression());
            if (IsOp(",")) { _i++; continue; }
            Expect(")");
            return args;
        }
    }

    private Expr ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number:
                _i++;
                return new LiteralExpr(t.Offset, t.Value);
            case TokenKind.String:
                _i++;
                return t.Interpolated ? ParseGString(t) : new LiteralExpr(t.Offset, t.Value);
            case TokenKind.Identifier:
                _i++;
                switch (t.Text)
                {
                    case "true": return new LiteralExpr(t.Offset, true);
                    case "false": return new LiteralExpr(t.Offset, false);
                    case "null": return new LiteralExpr(t.Offset, null);
                    case "new": return ParseNew(t);
                    case "if" or "for" or "while" or "return" or "else":
                        throw Error($"'{t.Text}' cannot be used inside an expression", t);
                }
                return new IdentExpr(t.Offset, t.Text);
            case TokenKind.Operator:
                if (t.Text == "(")
                {
                    _i++;
                    var inner = ParseExpression();
                    Expect(")");
                    return inner;
                }
                if (t.Text == "[") return ParseListOrMap();
                if (t.Text == "{") return ParseClosure();
                break;
            case TokenKind.End:
                throw Error("unexpected end of expression");
        }
        throw Error($"unexpected '{t.Text}'");
    }

    private Expr ParseNew(Token newTok)
    {
        var start = Peek;
        var name = ExpectIdent();
        while (IsOp(".") && PeekAt(1).Kind == TokenKind.Identifier) { _i++; name = ExpectIdent(); }
        if (IsOp("<"))
        {
            int depth = 0;
            do
            {
                if (IsOp("<")) depth++;
                else if (IsOp(">")) depth--;
                else if (Peek.Kind == TokenKind.End) throw Error("unterminated generic type");
                _i++;
            } while (depth > 0);
        }
        if (IsOp("["))
        {
            _i++;
            var size = ParseExpression();
            Expect("]");
            return new NewExpr(newTok.Offset, name + "[]", new[] { size });
        }
        var args = ParseArgs();
        _ = start;
        return new NewExpr(newTok.Offset, name, args);
    }

    private Expr ParseListOrMap()
    {
        var t = Expect("[");
        if (IsOp(":") && IsOpAt(1, "]")) { _i += 2; return new MapExpr(t.Offset, Array.Empty<(Expr, Expr)>()); }
        if (IsOp("]")) { _i++; return new ListExpr(t.Offset, Array.Empty<Expr>()); }
        bool isMap = (PeekAt(0).Kind is TokenKind.Identifier or TokenKind.String or TokenKind.Number && IsOpAt(1, ":"));
        if (isMap)
        {
            var entries = new List<(Expr, Expr)>();
            while (true)
            {
                Expr key;
                var k = Peek;
                if (k.Kind == TokenKind.Identifier) { _i++; key = new LiteralExpr(k.Offset, k.Text); }
                else if (k.Kind == TokenKind.String && !k.Interpolated) { _i++; key = new LiteralExpr(k.Offset, k.Value); }
                else if (k.Kind == TokenKind.Number) { _i++; key = new LiteralExpr(k.Offset, k.Value); }
                else if (IsOp("(")) { _i++; key = ParseExpression(); Expect(")"); }
                else key = ParsePrimary();
                Expect(":");
                entries.Add((key, ParseExpression()));
                if (IsOp(",")) { _i++; if (IsOp("]")) { _i++; break; } continue; }
                Expect("]");
                break;
            }
            return new MapExpr(t.Offset, entries);
        }
        var items = new List<Expr>();
        while (true)
        {
            items.Add(ParseExpression());
            if (IsOp(",")) { _i++; if (IsOp("]")) { _i++; break; } continue; }
            Expect("]");
            break;
        }
        return new ListExpr(t.Offset, items);
    }

    private ClosureExpr ParseClosure()
    {
        var t = Expect("{");
        Enter();
        try
        {
            var ps = new List<string>();
            // look ahead for "a, b ->" or "Type a ->"
            int k = 0;
            bool hasArrow = false;
            while (true)
            {
                var tk = PeekAt(k);
                if (tk.Kind == TokenKind.Identifier || (tk.Kind == TokenKind.Operator && tk.Text == ",")) { k++; continue; }
                if (tk.Kind == TokenKind.Operator && tk.Text == "->") hasArrow = true;
                break;
            }
            if (hasArrow)
            {
                while (!IsOp("->"))
                {
                    if (IsOp(",")) { _i++; continue; }
                    if (PeekAt(1).Kind == TokenKind.Identifier) _i++; // type
                    ps.Add(ExpectIdent());
                }
                _i++;
            }
            var body = new List<Stmt>();
            while (!IsOp("}"))
            {
                if (Peek.Kind == TokenKind.End) throw Error("missing '}' to close closure", kind: ExpressionErrorKind.UnbalancedBraces);
                if (IsOp(";")) { _i++; continue; }
                body.Add(ParseStatement());
            }
            _i++;
            return new ClosureExpr(t.Offset, ps, body);
        }
        finally { Leave(); }
    }

    private Expr ParseGString(Token t)
    {
        var text = (string)t.Value!;
        var parts = new List<object>();
        var sb = new System.Text.StringBuilder();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '$') { sb.Append('$'); i += 2; continue; }
            if (c == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                int close = TemplateScanner.FindClosingBrace(text, i + 2);
                if (close < 0) throw new ExpressionException(ExpressionErrorKind.UnbalancedBraces, "unclosed '${' inside a string literal", _src, t.Offset);
                if (sb.Length > 0) { parts.Add(sb.ToString()); sb.Clear(); }
                var inner = text[(i + 2)..close];
                try
                {
                    var sub = new Parser(inner, _limits) { _depth = _depth + 1 };
                    var stmts = sub.ParseProgram();
                    parts.Add(stmts.Count == 1 && stmts[0] is ExprStmt es ? es.Expr : new InvokeExpr(t.Offset, new ClosureExpr(t.Offset, Array.Empty<string>(), stmts), Array.Empty<Expr>()));
                }
                catch (ExpressionException ex)
                {
                    throw new ExpressionException(ex.Kind, ex.Detail + " (inside a string literal)", _src, t.Offset + 1 + i + 2 + ex.Offset, ex);
                }
                i = close + 1;
                continue;
            }
            if (c == '$' && i + 1 < text.Length && (char.IsLetter(text[i + 1]) || text[i + 1] == '_'))
            {
                int j = i + 1;
                while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_' || (text[j] == '.' && j + 1 < text.Length && char.IsLetter(text[j + 1])))) j++;
                if (sb.Length > 0) { parts.Add(sb.ToString()); sb.Clear(); }
                var segs = text[(i + 1)..j].Split('.');
                Expr e = new IdentExpr(t.Offset, segs[0]);
                foreach (var s in segs.Skip(1)) e = new MemberExpr(t.Offset, e, s, false, false);
                parts.Add(e);
                i = j;
                continue;
            }
            sb.Append(c);
            i++;
        }
        if (sb.Length > 0) parts.Add(sb.ToString());
        return new GStringExpr(t.Offset, parts);
    }
}
