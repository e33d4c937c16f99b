using DomainExchange = AdminPortal.Core.Domain.HttpExchange;
using EngineExchange = AdminPortal.Core.Connectors.Http.HttpExchange;

namespace AdminPortal.Web.Features.Connections;

/// <summary>Stores the engine's recorded (already redacted, capped) exchanges as rows of an import run or a task.</summary>
public static class ExchangeRows
{
    public static DomainExchange From(EngineExchange x, int sequence, long? runId = null, long? taskId = null) => new()
    {
        JobRunId = runId,
        TaskId = taskId,
        Sequence = sequence,
        StartedUtc = x.StartedAt.UtcDateTime,
        DurationMs = (int)x.Duration.TotalMilliseconds,
        Method = x.Method,
        Url = x.Url,
        // Rewrites are shown in every recorded exchange: the URL the JSON named, and the rule that changed it.
        OriginalUrl = x.Url == x.ConfiguredUrl ? null : $"{x.ConfiguredUrl}{(x.RewriteApplied is null ? "" : $"  (rewrite {x.RewriteApplied})")}",
        RequestHeaders = string.Join('\n', x.RequestHeaders.Select(h => $"{h.Key}: {h.Value}")),
        RequestBody = x.RequestBody,
        StatusCode = x.StatusCode,
        ResponseHeaders = string.Join('\n', x.ResponseHeaders.Select(h => $"{h.Key}: {h.Value}")),
        ResponseBody = x.ResponseBodyTruncated ? x.ResponseBody + "\n… (truncated)" : x.ResponseBody,
        Error = string.IsNullOrEmpty(x.Purpose) ? x.Error : $"{x.Purpose}{(x.Error is null ? "" : ": " + x.Error)}",
    };
}
