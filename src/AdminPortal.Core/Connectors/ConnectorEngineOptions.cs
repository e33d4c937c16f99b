using AdminPortal.Core.Connectors.Auth;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Templates;

namespace AdminPortal.Core.Connectors;

/// <summary>Everything the host plugs into the engine. Only <see cref="HttpClientFactory"/> is required.</summary>
public sealed class ConnectorEngineOptions
{
    /// <summary>Returns the HttpClient to use (host: IHttpClientFactory.CreateClient(name), with a <see cref="ResilienceHandler"/> in its pipeline).
    /// The engine does not dispose it.</summary>
    public required Func<HttpClient> HttpClientFactory { get; init; }

    /// <summary>Base URL for relative call URLs when the profile has no <c>baseUrl</c>.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>Ordered prefix rewrites applied to every URL before sending (first match wins).</summary>
    public IReadOnlyList<UrlRewrite> UrlRewrites { get; init; } = Array.Empty<UrlRewrite>();

    /// <summary>Receives every request/response, redacted.</summary>
    public IExchangeRecorder Recorder { get; init; } = NullExchangeRecorder.Instance;

    /// <summary>Extra values that must be masked in records (e.g. decrypted secrets the host knows about).</summary>
    public IReadOnlyCollection<string> SecretValues { get; init; } = Array.Empty<string>();

    /// <summary>Called after every successful token (re)generation so the host can persist the new tokens
    /// into the connection's ConnectionJSON (accessToken/refreshToken).</summary>
    public Func<TokenUpdate, CancellationToken, Task>? OnTokensRefreshed { get; init; }

    /// <summary>Loop guard: maximum pages per paginated call.</summary>
    public int MaxPages { get; init; } = 10_000;

    /// <summary>Maximum bytes read from one response body; larger bodies fail the call.</summary>
    public long MaxResponseBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Maximum characters of a body kept in an exchange record.</summary>
    public int MaxRecordedBodyChars { get; init; } = 16 * 1024;

    /// <summary>Insert <c>${...}</c> values into JSON-string bodies JSON-escaped (default true; Saviynt inserts verbatim).</summary>
    public bool JsonEscapeBodyValues { get; init; } = true;

    /// <summary>Refresh a token this long before the <c>expires_in</c> it came with runs out.</summary>
    public TimeSpan TokenRefreshSkew { get; init; } = TimeSpan.FromSeconds(30);

    public EvaluationLimits ExpressionLimits { get; init; } = EvaluationLimits.Default;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Delay used for apiRateLimitConfig pauses (tests may replace it).</summary>
    public Func<TimeSpan, CancellationToken, Task>? Delay { get; init; }

    /// <summary>A copy whose exchanges go to <paramref name="local"/> as well as to <see cref="Recorder"/>
    /// (used to hand a run's own exchanges back in its result); with <paramref name="replaceHostRecorder"/> only to
    /// <paramref name="local"/> (which then forwards to the host itself).</summary>
    internal ConnectorEngineOptions AlsoRecordingTo(IExchangeRecorder local, bool replaceHostRecorder = false) => new()
    {
        HttpClientFactory = HttpClientFactory,
        BaseUrl = BaseUrl,
        UrlRewrites = UrlRewrites,
        Recorder = replaceHostRecorder ? local : new TeeRecorder(local, Recorder),
        SecretValues = SecretValues,
        OnTokensRefreshed = OnTokensRefreshed,
        MaxPages = MaxPages,
        MaxResponseBytes = MaxResponseBytes,
        MaxRecordedBodyChars = MaxRecordedBodyChars,
        JsonEscapeBodyValues = JsonEscapeBodyValues,
        TokenRefreshSkew = TokenRefreshSkew,
        ExpressionLimits = ExpressionLimits,
        TimeProvider = TimeProvider,
        Delay = Delay,
    };

    internal Task DelayAsync(TimeSpan t, CancellationToken ct) => Delay is not null ? Delay(t, ct) : Task.Delay(t, TimeProvider, ct);
}
