using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Configuration;

/// <summary>A connector JSON attribute is malformed or has a value of the wrong type. Carries the attribute name,
/// the JSON path and, when known, the 1-based line/column inside the attribute text.</summary>
public sealed class ConnectorConfigException : Exception
{
    public ConnectorConfigException(string attribute, string path, string detail, int? line = null, int? column = null, Exception? inner = null)
        : base($"{attribute}: {(string.IsNullOrEmpty(path) ? "(root)" : path)}: {detail}{(line is null ? "" : $" (line {line}, column {column})")}", inner)
    {
        Attribute = attribute;
        Path = path;
        Detail = detail;
        Line = line;
        Column = column;
    }

    public string Attribute { get; }
    public string Path { get; }
    public string Detail { get; }
    public int? Line { get; }
    public int? Column { get; }

    internal static ConnectorConfigException At(string attribute, JToken? token, string detail, string? fallbackPath = null)
    {
        var info = token as IJsonLineInfo;
        bool has = info?.HasLineInfo() == true;
        return new ConnectorConfigException(attribute, token?.Path ?? fallbackPath ?? "", detail, has ? info!.LineNumber : null, has ? info!.LinePosition : null);
    }
}
