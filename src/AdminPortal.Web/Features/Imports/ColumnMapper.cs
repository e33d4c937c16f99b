using AdminPortal.Core.Connectors.Import;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Newtonsoft.Json;

namespace AdminPortal.Web.Features.Imports;

/// <summary>Puts the Saviynt columns an import mapped (colsToPropsMap targets) onto the portal's entities.</summary>
public static class ColumnMapper
{
    private static readonly System.Reflection.PropertyInfo[] AccountCustom =
        Enumerable.Range(1, Account.CustomPropertyCount).Select(i => typeof(Account).GetProperty($"CustomProperty{i}")!).ToArray();

    private static readonly System.Reflection.PropertyInfo[] EntitlementCustom =
        Enumerable.Range(1, EntitlementValue.CustomPropertyCount).Select(i => typeof(EntitlementValue).GetProperty($"CustomProperty{i}")!).ToArray();

    private static readonly HashSet<string> AccountKnown = new(StringComparer.OrdinalIgnoreCase)
        { "accountID", "name", "displayName", "displayname", "status", "description", "accounttype", "lastlogondate" };

    public static void ApplyAccount(Account account, ImportedAccount incoming)
    {
        var a = incoming.Attributes;
        account.Name = incoming.Name ?? Get(a, "name") ?? incoming.AccountId;
        account.DisplayName = Get(a, "displayName");
        account.Description = Get(a, "description");
        account.AccountType = Get(a, "accounttype");
        account.ContentHash = incoming.Hash;
        for (var i = 0; i < AccountCustom.Length; i++) AccountCustom[i].SetValue(account, Get(a, $"customproperty{i + 1}"));
        var extra = a.Where(p => !AccountKnown.Contains(p.Key) && !IsCustom(p.Key, Account.CustomPropertyCount)).ToDictionary(p => p.Key, p => p.Value);
        account.ExtraPropertiesJson = extra.Count == 0 ? null : JsonConvert.SerializeObject(extra);
    }

    private static readonly string[] CustomKeys = Enumerable.Range(1, Math.Max(Account.CustomPropertyCount, EntitlementValue.CustomPropertyCount)).Select(i => $"customproperty{i}").ToArray();

    /// <summary>The same mapping as <see cref="ApplyAccount"/>, as a flat row for the bulk staging path.</summary>
    public static StagedAccount ToStaged(ImportedAccount incoming)
    {
        var a = incoming.Attributes;
        var custom = new string?[Account.CustomPropertyCount];
        for (var i = 0; i < custom.Length; i++) custom[i] = Get(a, CustomKeys[i]);
        Dictionary<string, string?>? extra = null;
        foreach (var p in a)
        {
            if (AccountKnown.Contains(p.Key) || IsCustom(p.Key, Account.CustomPropertyCount)) continue;
            (extra ??= [])[p.Key] = p.Value;
        }

        return new StagedAccount
        {
            AccountId = incoming.AccountId,
            Name = incoming.Name ?? Get(a, "name") ?? incoming.AccountId,
            DisplayName = Get(a, "displayName"),
            Description = Get(a, "description"),
            AccountType = Get(a, "accounttype"),
            Custom = custom,
            ExtraPropertiesJson = extra is null ? null : JsonConvert.SerializeObject(extra),
            Hash = incoming.Hash,
            Status = (int)(incoming.Status == AccountImportStatus.Inactive ? AccountStatus.Inactive : AccountStatus.Active),
        };
    }

    public static void ApplyEntitlement(EntitlementValue value, ImportedEntitlement incoming)
    {
        var a = incoming.Attributes;
        value.Value = incoming.Value ?? Get(a, "entitlement_value") ?? incoming.EntitlementId;
        value.DisplayName = Get(a, "displayname");
        value.Description = Get(a, "description");
        value.ContentHash = incoming.Hash;
        for (var i = 0; i < EntitlementCustom.Length; i++) EntitlementCustom[i].SetValue(value, Get(a, $"customproperty{i + 1}"));
    }

    public static string? AccountColumn(Account account, string column) => column switch
    {
        "name" => account.Name,
        "accountid" => account.AccountId,
        "displayname" => account.DisplayName,
        _ when IsCustom(column, Account.CustomPropertyCount) => (string?)AccountCustom[int.Parse(column["customproperty".Length..], System.Globalization.CultureInfo.InvariantCulture) - 1].GetValue(account),
        _ => null,
    };

    private static string? Get(IReadOnlyDictionary<string, string?> attributes, string key) =>
        attributes.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    private static bool IsCustom(string key, int max) =>
        key.StartsWith("customproperty", StringComparison.OrdinalIgnoreCase) &&
        int.TryParse(key["customproperty".Length..], out var n) && n >= 1 && n <= max;
}
