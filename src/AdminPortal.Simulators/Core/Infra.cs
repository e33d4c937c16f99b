using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Core;

/// <summary>Issued access and refresh tokens with their expiry.</summary>
internal sealed class TokenStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _access = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _refresh = new();

    public string Issue(TimeSpan lifetime, string prefix = "")
    {
        var t = prefix + Random(32);
        _access[t] = DateTimeOffset.UtcNow + lifetime;
        return t;
    }

    public string IssueRefresh(TimeSpan lifetime)
    {
        var t = Random(24);
        _refresh[t] = DateTimeOffset.UtcNow + lifetime;
        return t;
    }

    public bool IsValid(string token) => _access.TryGetValue(token, out var exp) && exp > DateTimeOffset.UtcNow;
    public bool IsKnown(string token) => _access.ContainsKey(token);

    public bool RedeemRefresh(string token) =>
        _refresh.TryRemove(token, out var exp) && exp > DateTimeOffset.UtcNow;

    public void Revoke(string token) => _access.TryRemove(token, out _);

    public void ExpireAll()
    {
        foreach (var k in _access.Keys) _access[k] = DateTimeOffset.UtcNow.AddSeconds(-1);
    }

    public static string Random(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Bounded log of received requests.</summary>
internal sealed class RequestLog
{
    private readonly ConcurrentQueue<RecordedRequest> _q = new();
    private long _seq;
    private readonly Func<int> _max;

    public RequestLog(Func<int> max) => _max = max;

    /// <summary>Sequence numbers are taken when a request arrives, so the log is in arrival order.</summary>
    public long NextSequence() => Interlocked.Increment(ref _seq);

    public void Add(long sequence, DateTimeOffset arrived, string method, string pathAndQuery, IReadOnlyDictionary<string, string> headers, string body, int status)
    {
        _q.Enqueue(new RecordedRequest(sequence, arrived, method, pathAndQuery, headers, body, status));
        while (_q.Count > _max() && _q.TryDequeue(out _)) { }
    }

    public IReadOnlyList<RecordedRequest> Snapshot() => _q.ToArray().OrderBy(r => r.Sequence).ToArray();
    public void Clear() => _q.Clear();
}

/// <summary>Per-simulator request budget: fixed window, or Bynder's idle-based block.</summary>
internal sealed class RateLimiter
{
    private readonly object _sync = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _count;
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;

    public (bool Allowed, int Limit, int Remaining, int ResetSeconds) Check(int limit, TimeSpan window, bool idleBlock)
    {
        lock (_sync)
        {
            var now = DateTimeOffset.UtcNow;
            if (idleBlock && now < _blockedUntil)
            {
                _blockedUntil = now + window; // requests during the block extend it
                return (false, limit, 0, (int)Math.Ceiling(window.TotalSeconds));
            }
            if (now - _windowStart >= window)
            {
                _windowStart = now;
                _count = 0;
            }
            _count++;
            var reset = (int)Math.Ceiling((_windowStart + window - now).TotalSeconds);
            if (_count > limit)
            {
                if (idleBlock) _blockedUntil = now + window;
                return (false, limit, 0, Math.Max(reset, 1));
            }
            return (true, limit, limit - _count, Math.Max(reset, 1));
        }
    }

    public void Reset()
    {
        lock (_sync)
        {
            _windowStart = DateTimeOffset.MinValue;
            _count = 0;
            _blockedUntil = DateTimeOffset.MinValue;
        }
    }
}

/// <summary>A JSON response being written straight to the response body; call <see cref="Tick"/> per item
/// in long lists so the output streams instead of accumulating.</summary>
internal sealed class JsonOut : IAsyncDisposable
{
    private const int FlushBytes = 64 * 1024;
    private readonly HttpContext _ctx;
    private long _flushed;
    public Utf8JsonWriter W { get; }

    private JsonOut(HttpContext ctx)
    {
        _ctx = ctx;
        W = new Utf8JsonWriter(ctx.Response.BodyWriter, Http.WriterOptions);
    }

    public static JsonOut Begin(HttpContext ctx, int status = 200)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return new JsonOut(ctx);
    }

    /// <summary>Sends what is written once it reaches <see cref="FlushBytes"/>, so a large listing streams in chunks
    /// instead of being built whole in memory.</summary>
    public async ValueTask Tick()
    {
        // BytesPending alone stays below a pipe segment (the writer hands full segments to the pipe itself): count what
        // was written since the last flush, or the whole response would sit in Kestrel's memory pool until it ends.
        if (W.BytesCommitted + W.BytesPending - _flushed < FlushBytes) return;
        W.Flush();
        _flushed = W.BytesCommitted;
        await _ctx.Response.BodyWriter.FlushAsync(_ctx.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        W.Flush();
        await W.DisposeAsync();
        await _ctx.Response.BodyWriter.FlushAsync(_ctx.RequestAborted);
    }
}

internal static class Http
{
    /// <summary>Relaxed escaping so URLs keep their '&amp;' (like the real APIs) instead of \u0026.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        SkipValidation = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<string> BodyText(HttpContext ctx)
    {
        ctx.Request.EnableBuffering();
        ctx.Request.Body.Position = 0;
        using var reader = new StreamReader(ctx.Request.Body, leaveOpen: true);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        ctx.Request.Body.Position = 0;
        return text;
    }

    /// <summary>Parses the body as JSON (null when empty or not JSON).</summary>
    public static async Task<JToken?> JsonBody(HttpContext ctx)
    {
        var text = await BodyText(ctx);
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JToken.Parse(text); }
        catch (Newtonsoft.Json.JsonException) { return null; }
    }

    /// <summary>Reads a JSON object or a form body into a flat case-sensitive map of strings.</summary>
    public static async Task<Dictionary<string, string?>> FlatBody(HttpContext ctx)
    {
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            foreach (var kv in form) map[kv.Key] = kv.Value.ToString();
            return map;
        }
        var text = await BodyText(ctx);
        if (string.IsNullOrWhiteSpace(text)) return map;
        try
        {
            if (JToken.Parse(text) is JObject o)
                foreach (var p in o.Properties())
                    map[p.Name] = p.Value.Type switch
                    {
                        JTokenType.Null => null,
                        JTokenType.Boolean => (bool)p.Value ? "true" : "false",
                        JTokenType.String => (string?)p.Value,
                        JTokenType.Array => string.Join(",", p.Value.Select(v => v.ToString())),
                        _ => p.Value.ToString(Newtonsoft.Json.Formatting.None),
                    };
            return map;
        }
        catch (Newtonsoft.Json.JsonException)
        {
            // fall back to urlencoded text without the content type
            foreach (var pair in text.Split('&'))
            {
                var i = pair.IndexOf('=');
                if (i > 0) map[Uri.UnescapeDataString(pair[..i])] = Uri.UnescapeDataString(pair[(i + 1)..].Replace('+', ' '));
            }
            return map;
        }
    }

    public static string? Str(this JToken? t, string name) =>
        t is JObject o && o.TryGetValue(name, StringComparison.Ordinal, out var v) && v.Type != JTokenType.Null
            ? v.Type == JTokenType.Boolean ? ((bool)v ? "true" : "false") : v.ToString()
            : null;

    public static bool? Bool(string? s) => s?.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" => true,
        "0" or "false" or "no" => false,
        _ => null,
    };

    public static int? QueryInt(HttpContext ctx, string name) =>
        int.TryParse(ctx.Request.Query[name].ToString(), out var v) ? v : null;

    public static string? Query(HttpContext ctx, string name)
    {
        var v = ctx.Request.Query[name].ToString();
        return string.IsNullOrEmpty(v) ? null : v;
    }

    /// <summary>Basic credentials from the Authorization header (scheme word case-insensitive).</summary>
    public static (string User, string Password)? Basic(HttpContext ctx)
    {
        var h = ctx.Request.Headers.Authorization.ToString().Trim();
        if (!h.StartsWith("basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var raw = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(h[6..].Trim()));
            var i = raw.IndexOf(':');
            return i < 0 ? (raw, "") : (raw[..i], raw[(i + 1)..]);
        }
        catch (FormatException) { return null; }
    }

    public static string? Bearer(HttpContext ctx)
    {
        var h = ctx.Request.Headers.Authorization.ToString().Trim();
        return h.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase) ? h[7..].Trim() : null;
    }

    public static string BasicValue(string user, string password) =>
        "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":" + password));

    public static async Task WriteText(HttpContext ctx, int status, string text, string contentType = "text/plain; charset=utf-8")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        await ctx.Response.WriteAsync(text, ctx.RequestAborted);
    }

    public static async Task WriteJson(HttpContext ctx, int status, Action<Utf8JsonWriter> write)
    {
        await using var o = JsonOut.Begin(ctx, status);
        write(o.W);
    }
}
