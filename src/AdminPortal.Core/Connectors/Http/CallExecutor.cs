using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Http;

/// <summary>A fully rendered request.</summary>
public sealed record PreparedRequest
{
    public required string Method { get; init; }
    public required string Url { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = Array.Empty<KeyValuePair<string, string>>();
    public string? Body { get; init; }
    public string? ContentType { get; init; }
    public string? ProfileBaseUrl { get; init; }

    /// <summary>When set, list records are loaded with only the properties the import reads (see <see cref="ResponseProjection"/>).</summary>
    public ResponseProjection? Projection { get; init; }
}

/// <summary>
/// Which properties of each list record an import call reads: the first segment of every column source and membership
/// path. A SCIM group page carries every member of every group (40 MB of JSON for 500 groups at 1000 members); a call
/// that maps only id and description then holds two properties per record instead of the whole tree. Only the records
/// of a top-level list field are pruned, and only at their top level; the envelope (totals, paging, error fields) is
/// loaded whole. The import engine builds a projection only when every path it will evaluate is a plain dotted path.
/// </summary>
public sealed record ResponseProjection(string ListField, IReadOnlySet<string> RecordProperties)
{
    /// <summary>
    /// Kept properties whose value — an object, or an array of objects — is read only through some of its own
    /// properties (e.g. SCIM <c>groups[].value</c>, <c>emails[].value</c>): only those are loaded, each whole. A SCIM user
    /// carries five group references with display name and type; the import reads their ids.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> NestedProperties { get; init; } = new Dictionary<string, IReadOnlySet<string>>();
}

/// <summary>Outcome of one HTTP exchange with the body parsed from the stream.</summary>
public sealed class HttpCallResult
{
    public required string Method { get; init; }
    public required string Url { get; init; }
    public int? StatusCode { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    public string? ContentType { get; init; }
    public JToken? Json { get; init; }

    /// <summary>Body text when it was not JSON (capped).</summary>
    public string? Text { get; init; }
    public bool EmptyBody { get; init; }
    public bool LooksLikeHtml { get; init; }
    public string? ParseError { get; init; }
    public bool BodyTooLarge { get; init; }
    public Exception? TransportError { get; init; }

    public bool IsSuccessStatus => StatusCode is >= 200 and < 300;

    /// <summary>Short description of the body for error messages.</summary>
    public string BodySnippet(int max = 300)
    {
        var s = Json?.ToString(Formatting.None) ?? Text ?? "";
        return s.Length > max ? s[..max] + "…" : s;
    }
}

/// <summary>Sends prepared requests, parses the response stream, records the redacted exchange.</summary>
public sealed class CallExecutor
{
    private readonly ConnectorEngineOptions _options;
    private readonly UrlResolver _resolver;

    public CallExecutor(ConnectorEngineOptions options, SecretRedactor redactor)
    {
        _options = options;
        Redactor = redactor;
        _resolver = new UrlResolver(options.BaseUrl, options.UrlRewrites);
    }

    public SecretRedactor Redactor { get; }

    public async Task<HttpCallResult> SendAsync(PreparedRequest req, string purpose, CancellationToken ct)
    {
        var started = _options.TimeProvider.GetUtcNow();
        var sw = Stopwatch.StartNew();
        string url;
        UrlRewrite? applied;
        try
        {
            (url, applied) = _resolver.Resolve(req.Url, req.ProfileBaseUrl);
        }
        catch (InvalidOperationException ex)
        {
            var failed = new HttpCallResult { Method = req.Method, Url = req.Url, TransportError = ex };
            Record(req, req.Url, null, purpose, started, sw.Elapsed, failed, null, false);
            return failed;
        }

        var method = req.Method.ToUpperInvariant() switch
        {
            "GETWITHBODY" => "GET",
            "DELETEWITHBODY" => "DELETE",
            var m => m,
        };
        using var msg = new HttpRequestMessage(new HttpMethod(method), url);
        if (req.Body is not null && !(method == "GET" && req.Method.ToUpperInvariant() != "GETWITHBODY" && req.Body.Length == 0))
        {
            var ct0 = NormalizeContentType(req.ContentType) ?? "application/json";
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(req.Body));
            content.Headers.ContentType = MediaTypeHeaderValue.TryParse(ct0, out var mt) ? mt : new MediaTypeHeaderValue("application/json");
            if (content.Headers.ContentType.MediaType?.StartsWith("text/", StringComparison.Ordinal) == true || content.Headers.ContentType.MediaType?.Contains("json", StringComparison.Ordinal) == true)
                content.Headers.ContentType.CharSet ??= "utf-8";
            msg.Content = content;
        }
        foreach (var h in req.Headers)
        {
            if (string.Equals(h.Key, "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (msg.Content is not null && MediaTypeHeaderValue.TryParse(h.Value, out var mt)) msg.Content.Headers.ContentType = mt;
                continue;
            }
            if (!msg.Headers.TryAddWithoutValidation(h.Key, h.Value)) msg.Content?.Headers.TryAddWithoutValidation(h.Key, h.Value);
        }

        HttpCallResult result;
        var tee = new StringBuilder();
        bool teeTruncated = false;
        try
        {
            var client = _options.HttpClientFactory();
            using var resp = await client.SendAsync(msg, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            result = await ReadAsync(resp, method, url, tee, t => teeTruncated = t, req.Projection, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException or InvalidOperationException)
        {
            result = new HttpCallResult { Method = method, Url = url, TransportError = ex };
        }
        Record(req, url, applied, purpose, started, sw.Elapsed, result, tee.ToString(), teeTruncated, method);
        return result;
    }

    private static string? NormalizeContentType(string? ct)
    {
        if (string.IsNullOrWhiteSpace(ct)) return null;
        return ct.Trim() switch
        {
            "application/x-www-form-urlencoded-pws" => "application/x-www-form-urlencoded",
            var x => x,
        };
    }

    private async Task<HttpCallResult> ReadAsync(HttpResponseMessage resp, string method, string url, StringBuilder tee, Action<bool> setTruncated, ResponseProjection? projection, CancellationToken ct)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in resp.Headers) headers[h.Key] = string.Join(", ", h.Value);
        foreach (var h in resp.Content.Headers) headers[h.Key] = string.Join(", ", h.Value);
        var mediaType = resp.Content.Headers.ContentType?.MediaType;
        int status = (int)resp.StatusCode;
        // report the URL finally answered (after redirects), e.g. a login page
        url = resp.RequestMessage?.RequestUri?.ToString() ?? url;
        await using var raw = await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var capped = new CappedTeeStream(raw, _options.MaxResponseBytes, tee, _options.MaxRecordedBodyChars, setTruncated);
        try
        {
            Stream body = capped;
            if (projection is not null && mediaType is not ("text/html" or "application/xhtml+xml"))
            {
                // an import page: tokenised as UTF-8 bytes, only the projected parts become tokens (ProjectedJsonLoader)
                var (prefix, firstByte) = await PeekFirstByteAsync(capped, ct).ConfigureAwait(false);
                if (firstByte is (byte)'{' or (byte)'[')
                {
                    try
                    {
                        var projected = await ProjectedJsonLoader.LoadAsync(prefix, capped, projection, ct).ConfigureAwait(false);
                        return new HttpCallResult { Method = method, Url = url, StatusCode = status, Headers = headers, ContentType = mediaType, Json = projected };
                    }
                    catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
                    {
                        return await UnparsableAsync(capped, ex.Message).ConfigureAwait(false);
                    }
                }
                // empty, not JSON, or not UTF-8 (a UTF-16 byte order mark): the text path reads it from its first byte
                body = new PrefixedStream(prefix, capped);
            }

            using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 8192, leaveOpen: false);
            // skip leading whitespace to look at the first significant character
            int first;
            while ((first = reader.Peek()) >= 0 && char.IsWhiteSpace((char)first)) reader.Read();
            if (first < 0)
                return new HttpCallResult { Method = method, Url = url, StatusCode = status, Headers = headers, ContentType = mediaType, EmptyBody = true };
            bool html = mediaType is "text/html" or "application/xhtml+xml" || first == '<';
            if (!html && (first == '{' || first == '['))
            {
                try
                {
                    using var jr = new JsonTextReader(reader) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Double, CloseInput = false };
                    var token = await JToken.ReadFromAsync(jr, ct).ConfigureAwait(false);
                    while (await jr.ReadAsync(ct).ConfigureAwait(false))
                    {
                        if (jr.TokenType != JsonToken.Comment) throw new JsonReaderException($"unexpected content after the JSON document at position {jr.LinePosition}");
                    }
                    return new HttpCallResult { Method = method, Url = url, StatusCode = status, Headers = headers, ContentType = mediaType, Json = token };
                }
                catch (JsonException ex)
                {
                    return await UnparsableAsync(body, ex.Message).ConfigureAwait(false);
                }
            }
            var text = await ReadCappedTextAsync(reader, ct).ConfigureAwait(false);
            return new HttpCallResult { Method = method, Url = url, StatusCode = status, Headers = headers, ContentType = mediaType, Text = text, LooksLikeHtml = html };
        }
        catch (ResponseTooLargeException)
        {
            return new HttpCallResult { Method = method, Url = url, StatusCode = status, Headers = headers, ContentType = mediaType, BodyTooLarge = true };
        }

        // The rest of the body is read (the recorded exchange keeps its start) and the parser's message reported.
        async Task<HttpCallResult> UnparsableAsync(Stream rest, string message)
        {
            var buf = new byte[8192];
            try { while (await rest.ReadAsync(buf.AsMemory(), ct).ConfigureAwait(false) > 0) { } }
            catch (IOException) { }
            return new HttpCallResult { Method = method, Url = url, StatusCode = status, Headers = headers, ContentType = mediaType, ParseError = message, Text = tee.ToString() };
        }
    }

    private async Task<string> ReadCappedTextAsync(StreamReader reader, CancellationToken ct)
    {
        var buf = new char[8192];
        var sb = new StringBuilder();
        int n;
        while ((n = await reader.ReadAsync(buf.AsMemory(), ct).ConfigureAwait(false)) > 0)
        {
            if (sb.Length < 64 * 1024) sb.Append(buf, 0, Math.Min(n, 64 * 1024 - sb.Length));
        }
        return sb.ToString();
    }

    /// <summary>Reads up to the first byte that is not JSON whitespace, past a UTF-8 byte order mark; returns the bytes
    /// read after that mark, and that byte (or null at the end of the body).</summary>
    private static async Task<(ReadOnlyMemory<byte> Prefix, byte? First)> PeekFirstByteAsync(Stream stream, CancellationToken ct)
    {
        var buf = new byte[4096];
        int length = 0, scanned = 0, skip = 0;
        while (true)
        {
            if (length == buf.Length) Array.Resize(ref buf, buf.Length * 2);
            int n = await stream.ReadAsync(buf.AsMemory(length), ct).ConfigureAwait(false);
            if (n == 0) return (buf.AsMemory(skip, length - skip), null);
            length += n;
            if (scanned == 0 && length >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) scanned = skip = 3;
            else if (scanned == 0 && length < 3 && buf[0] == 0xEF) continue; // a byte order mark may still be arriving
            for (; scanned < length; scanned++)
            {
                if (buf[scanned] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return (buf.AsMemory(skip, length - skip), buf[scanned]);
            }
        }
    }

    private void Record(PreparedRequest req, string url, UrlRewrite? applied, string purpose, DateTimeOffset started, TimeSpan elapsed, HttpCallResult result, string? body, bool truncated, string? method = null)
    {
        var r = Redactor;
        string? reqBody = req.Body is null ? null : Cap(r.RedactText(req.Body), out _);
        string? respBody = null;
        bool capped = truncated || result.BodyTooLarge;
        if (!string.IsNullOrEmpty(body))
        {
            respBody = Cap(r.RedactText(body), out var c2);
            capped |= c2;
        }
        _options.Recorder.Record(new HttpExchange
        {
            StartedAt = started,
            Duration = elapsed,
            Purpose = purpose,
            Method = method ?? req.Method,
            ConfiguredUrl = r.RedactText(req.Url),
            Url = r.RedactText(url),
            RewriteApplied = applied?.ToString(),
            RequestHeaders = r.RedactHeaders(req.Headers),
            RequestBody = reqBody,
            StatusCode = result.StatusCode,
            ResponseHeaders = r.RedactHeaders(result.Headers),
            ResponseBody = respBody,
            ResponseBodyTruncated = capped,
            Error = result.TransportError is { } ex ? r.RedactText(ex.GetType().Name + ": " + ex.Message)
                  : result.ParseError is { } pe ? "unparsable body: " + pe
                  : result.BodyTooLarge ? $"body larger than {_options.MaxResponseBytes} bytes"
                  : !string.Equals(result.Url, url, StringComparison.Ordinal) ? "redirected to " + r.RedactText(result.Url) : null,
        });
    }

    private string Cap(string s, out bool capped)
    {
        capped = s.Length > _options.MaxRecordedBodyChars;
        return capped ? s[.._options.MaxRecordedBodyChars] : s;
    }
}

internal sealed class ResponseTooLargeException : IOException
{
    public ResponseTooLargeException(long max) : base($"response body exceeds {max} bytes") { }
}

/// <summary>Read-only stream wrapper that enforces a byte cap and copies the first characters for the exchange record.</summary>
internal sealed class CappedTeeStream : Stream
{
    private readonly Stream _inner;
    private readonly long _max;
    private readonly StringBuilder _tee;
    private readonly int _teeMax;
    private readonly Action<bool> _setTruncated;
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private long _read;

    public CappedTeeStream(Stream inner, long max, StringBuilder tee, int teeMax, Action<bool> setTruncated)
    {
        _inner = inner;
        _max = max;
        _tee = tee;
        _teeMax = teeMax;
        _setTruncated = setTruncated;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Account(buffer, offset, _inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span, n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Account(byte[] buffer, int offset, int n) => Account(buffer.AsSpan(offset, Math.Max(0, n)), n);

    private int Account(ReadOnlySpan<byte> data, int n)
    {
        if (n <= 0) return n;
        _read += n;
        if (_read > _max) throw new ResponseTooLargeException(_max);
        if (_tee.Length < _teeMax)
        {
            var chars = new char[_decoder.GetCharCount(data[..n], false)];
            _decoder.GetChars(data[..n], chars, false);
            int take = Math.Min(chars.Length, _teeMax - _tee.Length);
            _tee.Append(chars, 0, take);
            if (take < chars.Length) _setTruncated(true);
        }
        else _setTruncated(true);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Read-only stream that returns bytes already taken from <c>inner</c> before the rest of it.</summary>
internal sealed class PrefixedStream : Stream
{
    private readonly Stream _inner;
    private ReadOnlyMemory<byte> _prefix;

    public PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner)
    {
        _prefix = prefix;
        _inner = inner;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty) return _inner.Read(buffer);
        return TakePrefix(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _prefix.IsEmpty ? _inner.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(TakePrefix(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int TakePrefix(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
