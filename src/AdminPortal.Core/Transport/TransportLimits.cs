namespace AdminPortal.Core.Transport;

/// <summary>
/// Resource limits applied while reading a transport package. Every limit is checked against bytes
/// actually read, never against sizes declared in zip headers.
/// </summary>
public sealed record TransportLimits
{
    /// <summary>Largest accepted zip file (compressed bytes). Default 50 MiB.</summary>
    public long MaxPackageBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Most entries (files, folders, ignored __MACOSX entries included). Default 200.</summary>
    public int MaxEntries { get; init; } = 200;

    /// <summary>Most bytes decompressed over all entries read. Default 100 MiB.</summary>
    public long MaxTotalUncompressedBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Highest decompressed/compressed ratio of one entry before it is treated as a zip bomb. Default 100.</summary>
    public int MaxCompressionRatio { get; init; } = 100;

    /// <summary>The ratio check applies once an entry has produced this many bytes (small, highly
    /// repetitive JSON files legitimately compress well). Default 1 MiB.</summary>
    public long CompressionRatioFloorBytes { get; init; } = 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted in payload files and attribute texts. Default 64.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>Largest single attribute value (UTF-8 bytes). Default 1 MiB.</summary>
    public long MaxAttributeBytes { get; init; } = 1024 * 1024;

    /// <summary>The defaults above.</summary>
    public static TransportLimits Default { get; } = new();
}
