namespace AdminPortal.Core.Transport;

/// <summary>What went wrong with a package; one value per rule the reader enforces.</summary>
public enum TransportErrorCode
{
    NotAZip,
    PackageTooLarge,
    TooManyEntries,
    PathTraversal,
    SymbolicLink,
    TotalSizeExceeded,
    CompressionRatioExceeded,
    CorruptEntry,
    InvalidUtf8,
    InvalidJson,
    DuplicateKey,
    NestingTooDeep,
    AttributeTooLarge,
    InvalidAttributeJson,
    ManifestMissing,
    ManifestAmbiguous,
    PayloadMissing,
    PayloadAmbiguous,
    UnexpectedShape,
    ObjectMissing,
    ObjectNotInManifest,
}

/// <summary>
/// One specific problem in a package. <see cref="Entry"/> is the zip entry's full name (or the
/// package file name for archive-level problems); <see cref="Field"/> names the object/attribute/key
/// concerned; <see cref="Line"/>/<see cref="Position"/> locate JSON problems (1-based, within the
/// entry or, for attribute problems, within the attribute text).
/// </summary>
public sealed record TransportPackageError(
    TransportErrorCode Code,
    string Entry,
    string? Field,
    int? Line,
    int? Position,
    string Detail)
{
    /// <summary>Human-readable message: "entry: field: detail (line L, position P)".</summary>
    public string Message
    {
        get
        {
            var where = Field is null ? Entry : $"{Entry}: {Field}";
            var at = Line is null ? "" : Position is null ? $" (line {Line})" : $" (line {Line}, position {Position})";
            return $"{where}: {Detail}{at}";
        }
    }

    public override string ToString() => Message;
}

/// <summary>Thrown by <see cref="TransportPackageReader"/> when a package is rejected. Nothing is
/// returned partially: the package is either read completely or not at all.</summary>
public sealed class TransportPackageException : Exception
{
    public TransportPackageException(string fileName, IReadOnlyList<TransportPackageError> errors)
        : base(BuildMessage(fileName, errors))
    {
        FileName = fileName;
        Errors = errors;
    }

    public string FileName { get; }

    public IReadOnlyList<TransportPackageError> Errors { get; }

    private static string BuildMessage(string fileName, IReadOnlyList<TransportPackageError> errors) =>
        $"Transport package '{fileName}' was rejected ({errors.Count} error(s)):" + Environment.NewLine
        + string.Join(Environment.NewLine, errors.Select(e => "  " + e.Message));
}
