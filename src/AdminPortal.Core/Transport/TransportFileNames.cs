using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AdminPortal.Core.Transport;

/// <summary>File names and object kinds of the T2P format.</summary>
public static partial class TransportFileNames
{
    public const string ManifestKind = "ObjectSummary";

    public const string ConnectionKind = "connection";
    public const string EmailTemplateKind = "emailTemplate";
    public const string SecuritySystemKind = "securitySystems";
    public const string EndpointKind = "endpoints";

    /// <summary>Manifest object kind → payload file prefix, for the kinds AdminPortal reads and writes.</summary>
    public static IReadOnlyDictionary<string, string> SupportedKinds { get; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [ConnectionKind] = "Connection",
            [EmailTemplateKind] = "EmailTemplate",
            [SecuritySystemKind] = "SecuritySystem",
            [EndpointKind] = "Endpoint",
        };

    /// <summary><c>&lt;Prefix&gt;_&lt;yyyy-MM-dd_HH-mm-ss&gt;(UTC).json</c>.</summary>
    public static string PayloadFileName(string prefix, string timestamp) => $"{prefix}_{timestamp}(UTC).json";

    public static string ManifestFileName(string timestamp) => PayloadFileName(ManifestKind, timestamp);

    /// <summary>The name Saviynt gives an export: <c>transport_&lt;user&gt;_&lt;yyyy-MM-dd_HH-mm-ss&gt;(UTC).zip</c>
    /// (characters other than letters, digits, '.', '-', '_' in the user name become '_').</summary>
    public static string SuggestPackageFileName(string exportedBy, DateTime exportedOnUtc)
    {
        var sb = new StringBuilder();
        foreach (var c in exportedBy)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        var user = sb.Length == 0 ? "unknown" : sb.ToString();
        return $"transport_{user}_{exportedOnUtc.ToString(TransportManifest.TimestampFormat, CultureInfo.InvariantCulture)}(UTC).zip";
    }

    /// <summary>Splits a base name such as <c>Connection_2023-06-16_08-20-45(UTC).json</c> into prefix and timestamp.</summary>
    public static bool TryParse(string baseName, out string prefix, out string timestamp)
    {
        var m = PayloadRegex().Match(baseName);
        prefix = m.Success ? m.Groups["prefix"].Value : "";
        timestamp = m.Success ? m.Groups["ts"].Value : "";
        return m.Success;
    }

    [GeneratedRegex(@"^(?<prefix>[A-Za-z][A-Za-z0-9]*)_(?<ts>\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})\(UTC\)\.json$")]
    private static partial Regex PayloadRegex();
}
