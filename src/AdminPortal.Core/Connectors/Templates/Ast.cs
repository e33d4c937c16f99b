namespace AdminPortal.Core.Connectors.Templates;

internal abstract record Node(int Pos);

// ---- expressions
internal abstract record Expr(int Pos) : Node(Pos);
internal sealed record LiteralExpr(int Pos, object? Value) : Expr(Pos);
internal sealed record GStringExpr(int Pos, IReadOnlyList<object> Parts) : Expr(Pos); // string | Expr
internal sealed record IdentExpr(int Pos, string Name) : Expr(Pos);
internal sealed record MemberExpr(int Pos, Expr Target, string Name, bool Safe, bool Spread) : Expr(Pos);
internal sealed record IndexExpr(int Pos, Expr Target, Expr Index, bool Safe) : Expr(Pos);
internal sealed record CallExpr(int Pos, Expr? Target, string Name, IReadOnlyList<Expr> Args, bool Safe, bool Spread) : Expr(Pos);
internal sealed record InvokeExpr(int Pos, Expr Callee, IReadOnlyList<Expr> Args) : Expr(Pos);
internal sealed record UnaryExpr(int Pos, string Op, Expr Operand) : Expr(Pos);
internal sealed record BinaryExpr(int Pos, string Op, Expr Left, Expr Right) : Expr(Pos);
internal sealed record TernaryExpr(int Pos, Expr Cond, Expr Then, Expr Else) : Expr(Pos);
internal sealed record ElvisExpr(int Pos, Expr Value, Expr Fallback) : Expr(Pos);
internal sealed record ListExpr(int Pos, IReadOnlyList<Expr> Items) : Expr(Pos);
internal sealed record MapExpr(int Pos, IReadOnlyList<(Expr Key, Expr Value)> Entries) : Expr(Pos);
internal sealed record ClosureExpr(int Pos, IReadOnlyList<string> Params, IReadOnlyList<Stmt> Body) : Expr(Pos);
internal sealed record AssignExpr(int Pos, Expr Target, string Op, Expr Value) : Expr(Pos);
internal sealed record IncDecExpr(int Pos, Expr Target, string Op, bool Prefix) : Expr(Pos);
internal sealed record NewExpr(int Pos, string TypeName, IReadOnlyList<Expr> Args) : Expr(Pos);
internal sealed record CastExpr(int Pos, Expr Value, string TypeName) : Expr(Pos);
internal sealed record InstanceOfExpr(int Pos, Expr Value, string TypeName) : Expr(Pos);

// ---- statements
internal abstract record Stmt(int Pos) : Node(Pos);
internal sealed record ExprStmt(int Pos, Expr Expr) : Stmt(Pos);
internal sealed record VarDeclStmt(int Pos, string Name, Expr? Init) : Stmt(Pos);
internal sealed record BlockStmt(int Pos, IReadOnlyList<Stmt> Body) : Stmt(Pos);
internal sealed record IfStmt(int Pos, Expr Cond, Stmt Then, Stmt? Else) : Stmt(Pos);
internal sealed record ForInStmt(int Pos, string Var, Expr Iterable, Stmt Body) : Stmt(Pos);
internal sealed record ForCStmt(int Pos, Stmt? Init, Expr? Cond, IReadOnlyList<Expr> Update, Stmt Body) : Stmt(Pos);
internal sealed record WhileStmt(int Pos, Expr Cond, Stmt Body) : Stmt(Pos);
internal sealed record ReturnStmt(int Pos, Expr? Value) : Stmt(Pos);
internal sealed record BreakStmt(int Pos) : Stmt(Pos);
internal sealed record ContinueStmt(int Pos) : Stmt(Pos);
internal sealed record TryStmt(int Pos, IReadOnlyList<Stmt> Body, string? CatchVar, IReadOnlyList<Stmt>? Catch) : Stmt(Pos);
