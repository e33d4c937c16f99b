using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Configuration;

public enum ColumnValueType { Char, Int, Bool, Date, EpochDate, ListAsString, BoolListInverse }

/// <summary>One colsToPropsMap entry: <c>"column": "sourceExpr~#~type"</c>.</summary>
public sealed record ColumnMapping
{
    public required string Column { get; init; }
    public required string Source { get; init; }
    public ColumnValueType Type { get; init; } = ColumnValueType.Char;

    /// <summary><c>STORE#ACC#ENT#MAPPINGINFO</c>: the column receives the account→entitlement link info.</summary>
    public bool StoresAcctEntMapping => Source == "STORE#ACC#ENT#MAPPINGINFO";

    /// <summary><c>STORE#ENT#MAPPINGINFO</c>: the column receives ent→ent link info.</summary>
    public bool StoresEntMapping => Source == "STORE#ENT#MAPPINGINFO";

    /// <summary><c>#CONST#${...}</c> or <c>#CONST#literal</c>.</summary>
    public bool IsConst => Source.StartsWith("#CONST#", StringComparison.Ordinal);

    /// <summary>A bare <c>${...}</c> template where record fields are top-level variables.</summary>
    public bool IsTemplate => !IsConst && Source.Contains("${", StringComparison.Ordinal);

    internal static IReadOnlyList<ColumnMapping> ReadMap(ConfigReader r, JObject parent, string key)
    {
        var list = new List<ColumnMapping>();
        var o = r.Object(parent, key);
        if (o is null) return list;
        foreach (var p in o.Properties())
        {
            if (p.Value.Type != JTokenType.String) throw r.Error(p.Value, $"'{p.Name}' must be a string \"path~#~type\", found {ConfigReader.Describe(p.Value)}");
            var text = (string)p.Value!;
            int sep = text.LastIndexOf("~#~", StringComparison.Ordinal);
            var source = sep < 0 ? text : text[..sep];
            var typeText = sep < 0 ? "char" : text[(sep + 3)..].Trim();
            ColumnValueType type = typeText.ToLowerInvariant() switch
            {
                "char" or "string" or "" => ColumnValueType.Char,
                "int" or "integer" or "long" or "number" => ColumnValueType.Int,
                "bool" or "boolean" => ColumnValueType.Bool,
                "date" => ColumnValueType.Date,
                "epochdate" => ColumnValueType.EpochDate,
                "listasstring" => ColumnValueType.ListAsString,
                "boollistinverse" => ColumnValueType.BoolListInverse,
                _ => throw r.Error(p.Value, $"unknown type '{typeText}' in '{p.Name}' (expected char, int, bool, date, epochdate, listAsString, boolListInverse)"),
            };
            list.Add(new ColumnMapping { Column = p.Name, Source = source.Trim(), Type = type });
        }
        return list;
    }
}

public enum PaginationKind { NextUrl, Page, Offset }

/// <summary>§3.4 pagination block.</summary>
public sealed record PaginationSpec
{
    public PaginationKind Kind { get; init; }
    public string? NextUrlPath { get; init; }
    public string? PageSizeParam { get; init; }
    public int? PageSize { get; init; }
    public string? PageNumberParam { get; init; }
    public int FirstPageNumber { get; init; } = 1;
    public string? PageRecordCount { get; init; }
    public string? TotalCountPath { get; init; }
    public string? OffsetParam { get; init; }
    public string? BatchParam { get; init; }
    public int? BatchSize { get; init; }
    public int FirstOffset { get; init; }

    internal static PaginationSpec? Read(ConfigReader r, JObject parent)
    {
        var o = r.Object(parent, "pagination");
        if (o is null || !o.HasValues) return null;
        if (r.Object(o, "nextUrl") is { } n)
            return new PaginationSpec { Kind = PaginationKind.NextUrl, NextUrlPath = r.String(n, "nextUrlPath") ?? throw r.Error(n, "'nextUrlPath' is required") };
        if (r.Object(o, "page") is { } p)
        {
            return new PaginationSpec
            {
                Kind = PaginationKind.Page,
                PageSizeParam = r.String(p, "pageSizeParam"),
                PageSize = r.Int(p, "pageSize"),
                PageNumberParam = r.String(p, "pageNumberParam") ?? throw r.Error(p, "'pageNumberParam' is required"),
                FirstPageNumber = r.Int(p, "firstPageNumber") ?? 1,
                PageRecordCount = r.String(p, "pageRecordCount"),
                TotalCountPath = r.String(p, "totalCountPath"),
            };
        }
        if (r.Object(o, "offset") is { } f)
        {
            return new PaginationSpec
            {
                Kind = PaginationKind.Offset,
                OffsetParam = r.String(f, "offsetParam") ?? throw r.Error(f, "'offsetParam' is required"),
                BatchParam = r.String(f, "batchParam"),
                BatchSize = r.Int(f, "batchSize") ?? throw r.Error(f, "'batchSize' is required"),
                TotalCountPath = r.String(f, "totalCountPath"),
                FirstOffset = r.Int(f, "firstOffset") ?? 0,
            };
        }
        throw r.Error(o, "pagination must contain 'nextUrl', 'page' or 'offset'");
    }
}

/// <summary>successResponses / unsuccessResponses: alternatives (OR) of conditions (AND).</summary>
public sealed record ResponseCriteria(IReadOnlyList<IReadOnlyDictionary<string, IReadOnlyList<string>>> Alternatives)
{
    internal static ResponseCriteria? Read(ConfigReader r, JObject parent, string key)
    {
        var t = parent[key];
        if (t is null || t.Type == JTokenType.Null) return null;
        var alts = new List<IReadOnlyDictionary<string, IReadOnlyList<string>>>();
        IEnumerable<JToken> items = t is JArray a ? a : new[] { t };
        foreach (var item in items)
        {
            if (item is not JObject o) throw r.Error(item, $"'{key}' must be an object or a list of objects");
            var d = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var p in o.Properties()) d[p.Name] = r.StringList(o, p.Name);
            if (d.Count > 0) alts.Add(d);
        }
        return alts.Count == 0 ? null : new ResponseCriteria(alts);
    }
}

/// <summary>One import call of a <c>call</c> map (§3.2) or an acctEntParams call (§3.7).</summary>
public sealed record ImportCall
{
    public required string Name { get; init; }
    public required string Location { get; init; }
    public int CallOrder { get; init; }
    public int StageNumber { get; init; }
    public string? Connection { get; init; }
    public HttpSpec? Http { get; init; }
    public string ListField { get; init; } = "";
    public string? KeyField { get; init; }
    public IReadOnlyList<ColumnMapping> Columns { get; init; } = Array.Empty<ColumnMapping>();
    public IReadOnlyDictionary<string, string> StatusConfig { get; init; } = new Dictionary<string, string>();
    public PaginationSpec? Pagination { get; init; }
    public bool DependentCall { get; init; }
    public string? EntitlementName { get; init; }
    public string? NextApiKeyField { get; init; }
    public ResponseCriteria? SuccessResponses { get; init; }
    public ResponseCriteria? UnsuccessResponses { get; init; }
    public string? ProcessingType { get; init; }
    public string? AcctIdPath { get; init; }
    public string? EntIdPath { get; init; }
    public string? AcctKeyField { get; init; }
    public string? EntKeyField { get; init; }

    internal static List<ImportCall> ReadCalls(ConfigReader r, JObject parent, string? sectionConnection, ResponseCriteria? sectionSuccess,
        ResponseCriteria? sectionUnsuccess, PaginationSpec? inheritedPagination = null)
    {
        var list = new List<ImportCall>();
        var calls = parent["call"];
        if (calls is null || calls.Type == JTokenType.Null) return list;
        if (calls is not JObject co) throw r.Error(calls, "'call' must be an object mapping call names to calls");
        foreach (var p in co.Properties())
        {
            if (p.Value is not JObject c) throw r.Error(p.Value, $"call '{p.Name}' must be an object");
            var http = r.Object(c, "http");
            var input = r.Object(c, "inputParams");
            list.Add(new ImportCall
            {
                Name = p.Name,
                Location = c.Path,
                CallOrder = r.Int(c, "callOrder") ?? 0,
                StageNumber = r.Int(c, "stageNumber") ?? 0,
                Connection = r.String(c, "connection") ?? sectionConnection,
                Http = http is null ? null : HttpSpec.Read(r, http),
                ListField = r.String(c, "listField") ?? "",
                KeyField = r.String(c, "keyField"),
                Columns = ColumnMapping.ReadMap(r, c, "colsToPropsMap"),
                StatusConfig = r.StringMap(c, "statusConfig"),
                Pagination = PaginationSpec.Read(r, c) ?? inheritedPagination,
                DependentCall = input is not null && (r.Bool(input, "dependentCall") ?? false),
                EntitlementName = input is null ? null : r.String(input, "entitlementname") ?? r.String(input, "entitlementName"),
                NextApiKeyField = r.String(c, "nextApiKeyField"),
                SuccessResponses = ResponseCriteria.Read(r, c, "successResponses") ?? sectionSuccess,
                UnsuccessResponses = ResponseCriteria.Read(r, c, "unsuccessResponses") ?? sectionUnsuccess,
                ProcessingType = r.String(c, "processingType"),
                AcctIdPath = r.String(c, "acctIdPath"),
                EntIdPath = r.String(c, "entIdPath"),
                AcctKeyField = r.String(c, "acctKeyField"),
                EntKeyField = r.String(c, "entKeyField"),
            });
        }
        return list.OrderBy(x => x.StageNumber).ThenBy(x => x.CallOrder).ToList();
    }
}

/// <summary>accountParams.acctEntMappings.&lt;type&gt; or entTypes.&lt;type&gt;.acctEntMappings.</summary>
public sealed record MembershipMapping
{
    public required string EntitlementType { get; init; }
    public string ListPath { get; init; } = "";
    public string IdPath { get; init; } = "";
    public string KeyField { get; init; } = "entitlementID";
    public bool ImportAsEntitlement { get; init; }
    public IReadOnlyList<ColumnMapping> Columns { get; init; } = Array.Empty<ColumnMapping>();

    internal static MembershipMapping Read(ConfigReader r, string type, JObject o, string defaultKey) => new()
    {
        EntitlementType = type,
        ListPath = r.String(o, "listPath") ?? r.String(o, "listField") ?? "",
        IdPath = r.String(o, "idPath") ?? r.String(o, "IdPath") ?? "",
        KeyField = r.String(o, "keyField") ?? r.String(o, "KeyField") ?? defaultKey,
        ImportAsEntitlement = r.Bool(o, "importAsEntitlement") ?? false,
        Columns = ColumnMapping.ReadMap(r, o, "colsToPropsMap"),
    };
}

public sealed record AccountParams
{
    public string? Connection { get; init; }
    public IReadOnlyList<ImportCall> Calls { get; init; } = Array.Empty<ImportCall>();
    public IReadOnlyList<MembershipMapping> AcctEntMappings { get; init; } = Array.Empty<MembershipMapping>();
    public StatusThresholdConfig? StatusAndThreshold { get; init; }
    public bool DoNotChangeIfFailed { get; init; }
}

public sealed record EntitlementTypeParams
{
    public required string Name { get; init; }
    public int Order { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<ImportCall> Calls { get; init; } = Array.Empty<ImportCall>();
    public MembershipMapping? Members { get; init; }
}

public sealed record EntitlementParams
{
    public string? Connection { get; init; }
    public IReadOnlyList<EntitlementTypeParams> Types { get; init; } = Array.Empty<EntitlementTypeParams>();
    public bool DoNotChangeIfFailed { get; init; }
}

/// <summary>acctEntParams: a section-level processing type and/or per-type calls.</summary>
public sealed record AcctEntParams
{
    public string? Connection { get; init; }
    public string? ProcessingType { get; init; }
    public IReadOnlyList<(string EntitlementType, ImportCall Call)> Calls { get; init; } = Array.Empty<(string, ImportCall)>();
}

/// <summary>Typed view of ImportAccountEntJSON (§3).</summary>
public sealed record ImportConfig
{
    public const string AttributeName = "ImportAccountEntJSON";

    public AccountParams? Accounts { get; init; }
    public EntitlementParams? Entitlements { get; init; }
    public AcctEntParams? AcctEnt { get; init; }

    public static ImportConfig Parse(string json)
    {
        var r = new ConfigReader(AttributeName);
        var root = ConfigReader.ParseJson(AttributeName, json);
        if (root is not JObject o) throw r.Error(root, "must be a JSON object");
        AccountParams? accounts = null;
        if (r.Object(o, "accountParams") is { HasValues: true } ap)
        {
            var conn = r.String(ap, "connection");
            var maps = new List<MembershipMapping>();
            if (r.Object(ap, "acctEntMappings") is { } aem)
            {
                foreach (var p in aem.Properties())
                {
                    if (p.Value is not JObject mo) throw r.Error(p.Value, $"acctEntMappings '{p.Name}' must be an object");
                    maps.Add(MembershipMapping.Read(r, p.Name, mo, "entitlementID"));
                }
            }
            accounts = new AccountParams
            {
                Connection = conn,
                Calls = ImportCall.ReadCalls(r, ap, conn, ResponseCriteria.Read(r, ap, "successResponses"), ResponseCriteria.Read(r, ap, "unsuccessResponses")),
                AcctEntMappings = maps,
                StatusAndThreshold = r.Object(ap, "statusAndThresholdConfig") is { } st ? StatusThresholdConfig.Read(r, st) : null,
                DoNotChangeIfFailed = r.Bool(ap, "doNotChangeIfFailed") ?? false,
            };
        }
        EntitlementParams? ents = null;
        if (r.Object(o, "entitlementParams") is { HasValues: true } ep)
        {
            var conn = r.String(ep, "connection");
            var types = new List<EntitlementTypeParams>();
            if (r.Object(ep, "entTypes") is { } et)
            {
                foreach (var p in et.Properties())
                {
                    if (p.Value is not JObject to) throw r.Error(p.Value, $"entitlement type '{p.Name}' must be an object");
                    var typeConn = r.String(to, "connection") ?? conn;
                    var mem = r.Object(to, "acctEntMappings");
                    types.Add(new EntitlementTypeParams
                    {
                        Name = p.Name,
                        Order = r.Int(to, "entTypeOrder") ?? int.MaxValue,
                        Labels = r.StringMap(to, "entTypeLabels"),
                        Calls = ImportCall.ReadCalls(r, to, typeConn, ResponseCriteria.Read(r, ep, "successResponses"), ResponseCriteria.Read(r, ep, "unsuccessResponses"), PaginationSpec.Read(r, to)),
                        Members = mem is { HasValues: true } ? MembershipMapping.Read(r, p.Name, mem, "accountID") : null,
                    });
                }
            }
            ents = new EntitlementParams
            {
                Connection = conn,
                Types = types.Select((t, i) => (t, i)).OrderBy(x => x.t.Order).ThenBy(x => x.i).Select(x => x.t).ToList(),
                DoNotChangeIfFailed = r.Bool(ep, "doNotChangeIfFailed") ?? false,
            };
        }
        AcctEntParams? links = null;
        if (r.Object(o, "acctEntParams") is { HasValues: true } lp)
        {
            var conn = r.String(lp, "connection");
            var calls = new List<(string, ImportCall)>();
            if (r.Object(lp, "entTypes") is { } et)
            {
                foreach (var p in et.Properties())
                {
                    if (p.Value is not JObject to) throw r.Error(p.Value, $"acctEntParams type '{p.Name}' must be an object");
                    foreach (var c in ImportCall.ReadCalls(r, to, r.String(to, "connection") ?? conn, null, null)) calls.Add((p.Name, c));
                }
            }
            links = new AcctEntParams { Connection = conn, ProcessingType = r.String(lp, "processingType"), Calls = calls };
        }
        return new ImportConfig { Accounts = accounts, Entitlements = ents, AcctEnt = links };
    }
}
