using System.Text.RegularExpressions;

namespace AdminPortal.Simulators;

/// <summary>The faults a simulator can inject.</summary>
public enum FaultKind
{
    Unauthorized401,
    Forbidden403,
    NotFound404,
    Conflict409,
    TooManyRequests429,
    TooManyRequests429NoRetryAfter,
    InternalError500,
    BadGateway502,
    ServiceUnavailable503,
    Latency,
    ConnectionReset,
    TruncatedBody,
    ErrorBodyWith200,
    RedirectToLogin,
}

/// <summary>One fault rule. A request matches when its method (if set) and path match; the first
/// <see cref="SkipFirst"/> matching requests pass untouched, then the fault fires on the next
/// <see cref="Times"/> matching requests (null = every one from then on).</summary>
public sealed class FaultRule
{
    /// <summary>Path glob, case-insensitive, matched against the path without query: <c>*</c> = any characters,
    /// e.g. <c>/iam/v2/*</c>, <c>*/agents</c>, <c>*</c>.</summary>
    public string PathPattern { get; set; } = "*";
    public string? Method { get; set; }
    public FaultKind Kind { get; set; }
    public int SkipFirst { get; set; }
    public int? Times { get; set; }
    /// <summary>Latency for <see cref="FaultKind.Latency"/>.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Retry-After seconds for <see cref="FaultKind.TooManyRequests429"/> and 503.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    public string Id { get; } = Guid.NewGuid().ToString("N")[..8];
    internal int Matched;
    internal int Fired;
    public int FiredCount => Volatile.Read(ref Fired);

    private Regex? _regex;
    internal bool Matches(string method, string path)
    {
        if (Method is not null && !string.Equals(Method, method, StringComparison.OrdinalIgnoreCase)) return false;
        _regex ??= new Regex("^" + Regex.Escape(PathPattern).Replace("\\*", ".*") + "/?$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return _regex.IsMatch(path);
    }

    /// <summary>A fault on every matching call.</summary>
    public static FaultRule Always(FaultKind kind, string pathPattern = "*") => new() { Kind = kind, PathPattern = pathPattern };
    /// <summary>A fault only on the n-th (1-based) matching call.</summary>
    public static FaultRule OnCall(FaultKind kind, int n, string pathPattern = "*") =>
        new() { Kind = kind, PathPattern = pathPattern, SkipFirst = n - 1, Times = 1 };
    /// <summary>A fault on the next matching call only.</summary>
    public static FaultRule Once(FaultKind kind, string pathPattern = "*") => OnCall(kind, 1, pathPattern);
}

/// <summary>Fault rules of one simulator; thread-safe.</summary>
public sealed class FaultInjector
{
    private readonly object _sync = new();
    private readonly List<FaultRule> _rules = new();

    public FaultRule Add(FaultRule rule)
    {
        lock (_sync) _rules.Add(rule);
        return rule;
    }

    public FaultRule Add(FaultKind kind, string pathPattern = "*", int? onCall = null, bool once = false, string? method = null) =>
        Add(new FaultRule
        {
            Kind = kind, PathPattern = pathPattern, Method = method,
            SkipFirst = onCall is { } n ? n - 1 : 0,
            Times = once || onCall is not null ? 1 : null,
        });

    public bool Remove(string id)
    {
        lock (_sync) return _rules.RemoveAll(r => r.Id == id) > 0;
    }

    public void Clear()
    {
        lock (_sync) _rules.Clear();
    }

    public IReadOnlyList<FaultRule> Rules
    {
        get { lock (_sync) return _rules.ToList(); }
    }

    /// <summary>Returns the rule that fires for this request, if any (counts the match).</summary>
    internal FaultRule? Next(string method, string path)
    {
        lock (_sync)
        {
            foreach (var r in _rules)
            {
                if (!r.Matches(method, path)) continue;
                var n = ++r.Matched;
                if (n <= r.SkipFirst) continue;
                if (r.Times is { } t && r.Fired >= t) continue;
                r.Fired++;
                return r;
            }
            return null;
        }
    }
}
