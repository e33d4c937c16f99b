using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Configuration;

/// <summary>Typed view of statusAndThresholdConfig (§4), from STATUS_THRESHOLD_CONFIG or accountParams.</summary>
public sealed record StatusThresholdConfig
{
    public const string AttributeName = "STATUS_THRESHOLD_CONFIG";

    public string? StatusColumn { get; init; }

    /// <summary>Raw values meaning active (aliases accepted: <c>active</c>, <c>status</c>).</summary>
    public IReadOnlyList<string> ActiveStatus { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> InactiveStatus { get; init; } = Array.Empty<string>();

    /// <summary>Maximum number of accounts the removal phase may suspend/inactivate (count).</summary>
    public int? AccountThresholdValue { get; init; }

    /// <summary>Maximum share (0–100) of existing accounts the removal phase may touch; our extension, default 10.</summary>
    public double? AccountThresholdPercent { get; init; }
    public bool InactivateAccountsNotInFile { get; init; }
    public string? AccountsNotInImportAction { get; init; }
    public bool CorrelateInactiveAccounts { get; init; }
    // The three removal switches are null when the config does not mention them: the planner then applies
    // the portal's defaults (mirror a complete read), instead of reading "absent" as "never remove".
    public bool? DeleteLinks { get; init; }
    public bool? DeleteAccEntForActiveAccounts { get; init; }
    public bool? InactivateEntsNotInFeed { get; init; }
    public int? AccountEntThresholdValue { get; init; }
    public int? EntThresholdValue { get; init; }

    public static StatusThresholdConfig? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        var r = new ConfigReader(AttributeName);
        var root = ConfigReader.ParseJson(AttributeName, json);
        if (root is not JObject o) throw r.Error(root, "must be a JSON object");
        var inner = r.Object(o, "statusAndThresholdConfig") ?? o;
        return inner.HasValues ? Read(r, inner) : null;
    }

    internal static StatusThresholdConfig Read(ConfigReader r, JObject o)
    {
        var active = r.StringList(o, "activeStatus");
        if (active.Count == 0) active = r.StringList(o, "active");
        if (active.Count == 0) active = r.StringList(o, "status");
        int? entThreshold = o["entThresholdValue"] is JObject ? null : r.Int(o, "entThresholdValue");
        double? pct = null;
        if (r.String(o, "accountThresholdPercent") is { } ps)
        {
            if (!double.TryParse(ps.TrimEnd('%'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var pv))
                throw r.Error(o["accountThresholdPercent"], "'accountThresholdPercent' must be a number");
            pct = pv;
        }
        return new StatusThresholdConfig
        {
            StatusColumn = r.String(o, "statusColumn"),
            ActiveStatus = active,
            InactiveStatus = r.StringList(o, "inactiveStatus"),
            AccountThresholdValue = r.Int(o, "accountThresholdValue"),
            AccountThresholdPercent = pct,
            InactivateAccountsNotInFile = r.Bool(o, "inactivateAccountsNotInFile") ?? false,
            AccountsNotInImportAction = r.String(o, "accountsNotInImportAction"),
            CorrelateInactiveAccounts = r.Bool(o, "correlateInactiveAccounts") ?? false,
            DeleteLinks = r.Bool(o, "deleteLinks"),
            DeleteAccEntForActiveAccounts = r.Bool(o, "deleteAccEntForActiveAccounts"),
            InactivateEntsNotInFeed = r.Bool(o, "inactivateEntsNotInFeed"),
            AccountEntThresholdValue = r.Int(o, "accountEntThresholdValue"),
            EntThresholdValue = entThreshold,
        };
    }
}
