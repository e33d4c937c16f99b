namespace AdminPortal.Core.Connectors.Http;

/// <summary>One recorded request/response, already redacted.</summary>
public sealed record HttpExchange
{
    public DateTimeOffset StartedAt { get; init; }
    public TimeSpan Duration { get; init; }

    /// <summary>What the call was for, e.g. "accountParams.call1 page 2" or "token acctAuth".</summary>
    public string Purpose { get; init; } = "";
    public string Method { get; init; } = "";

    /// <summary>URL as configured and rendered (before base-URL resolution and prefix rewrites).</summary>
    public string ConfiguredUrl { get; init; } = "";

    /// <summary>URL actually requested (after base-URL resolution and rewrites).</summary>
    public string Url { get; init; } = "";

    /// <summary>The rewrite rule applied, as "from → to", or null.</summary>
    public string? RewriteApplied { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; init; } = Array.Empty<KeyValuePair<string, string>>();
    public string? RequestBody { get; init; }
    public int? StatusCode { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders { get; init; } = Array.Empty<KeyValuePair<string, string>>();
    public string? ResponseBody { get; init; }
    public bool ResponseBodyTruncated { get; init; }
    public string? Error { get; init; }
}

/// <summary>Sink for recorded exchanges (host: database/log; tests: memory).</summary>
public interface IExchangeRecorder
{
    void Record(HttpExchange exchange);
}

public sealed class InMemoryExchangeRecorder : IExchangeRecorder
{
    private readonly List<HttpExchange> _items = new();
    private readonly object _gate = new();

    public IReadOnlyList<HttpExchange> Exchanges
    {
        get { lock (_gate) return _items.ToList(); }
    }

    public void Record(HttpExchange exchange)
    {
        lock (_gate) _items.Add(exchange);
    }
}

public sealed class NullExchangeRecorder : IExchangeRecorder
{
    public static NullExchangeRecorder Instance { get; } = new();
    public void Record(HttpExchange exchange) { }
}

/// <summary>Sends every exchange to two recorders.</summary>
internal sealed class TeeRecorder(IExchangeRecorder a, IExchangeRecorder b) : IExchangeRecorder
{
    public void Record(HttpExchange exchange)
    {
        a.Record(exchange);
        b.Record(exchange);
    }
}
