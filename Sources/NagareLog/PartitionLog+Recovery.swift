import NagareCore

extension PartitionLog {
    /// Opens every segment of `directory`, scanning and repairing those that may have been
    /// cut short by a crash.
    ///
    /// Which segments are scanned: none after a clean shutdown; otherwise those from the
    /// recovery point on (the active segment at the last roll and anything after it — older
    /// segments were fsynced when rolled), or all of them when there is no recovery point.
    /// A segment whose indexes are missing or malformed, or whose tail does not parse, is
    /// scanned in any case. Scanning validates every batch (length, header, CRC, increasing
    /// offsets) and cuts the file after the last good one; segments after a cut one are
    /// deleted, since their offsets would follow a hole.
    static func load(
        topicPartition: TopicPartition, directory: String, configuration: LogConfiguration, now: Int64
    ) throws(LogError) -> (PartitionLogState, LogRecoveryReport) {
        try FileSystem.createDirectory(directory)
        let names = try FileSystem.contents(of: directory)
        let markerPath = directory + "/" + cleanShutdownFileName
        let wasClean = FileSystem.exists(markerPath)
        var report = LogRecoveryReport(topicPartition: topicPartition, wasCleanShutdown: wasClean)

        for name in names where name.hasSuffix(".tmp") || name.hasSuffix(LogCompactor.cleanedSuffix) {
            try FileSystem.remove(directory + "/" + name)
            report.removedLeftovers.append(name)
        }
        let recoveryPoint = try readRecoveryPoint(directory: directory)
        if wasClean {
            // Removed (durably) before anything else, so that a crash from now on is seen as one.
            try FileSystem.remove(markerPath)
            try FileSystem.syncDirectory(directory)
        }

        let baseOffsets = names.compactMap(Segment.baseOffset(ofLogFileName:)).sorted()
        var segments: [Segment] = []
        var foundCorruption = false
        for baseOffset in baseOffsets {
            let fileName = Segment.fileName(baseOffset: baseOffset, suffix: Segment.logSuffix)
            if foundCorruption {
                let path = directory + "/" + fileName
                if let file = try? FileIO.open(path, create: false) { report.lostBytes += (try? file.size()) ?? 0 }
                try FileSystem.remove(path)
                try FileSystem.remove(directory + "/" + Segment.fileName(baseOffset: baseOffset, suffix: Segment.offsetIndexSuffix))
                try FileSystem.remove(directory + "/" + Segment.fileName(baseOffset: baseOffset, suffix: Segment.timeIndexSuffix))
                report.deletedSegments.append(fileName)
                continue
            }
            let (segment, indexesAreUsable) = try Segment.open(
                directory: directory, baseOffset: baseOffset, indexIntervalBytes: configuration.indexIntervalBytes)
            let mayBeTorn = !wasClean && (recoveryPoint.map { baseOffset >= $0 } ?? true)
            var mustScan = mayBeTorn || !indexesAreUsable
            if !mustScan, try !segment.loadTail(now: now) { mustScan = true }
            if mustScan {
                let recovery = try segment.recover(now: now)
                report.scannedSegments.append(fileName)
                if !indexesAreUsable && !mayBeTorn { report.rebuiltIndexes.append(fileName) }
                if recovery.truncatedBytes > 0 {
                    report.truncations.append(LogRecoveryReport.Truncation(
                        segmentFile: fileName, position: recovery.validBytes, bytes: recovery.truncatedBytes,
                        reason: recovery.reason ?? "unreadable bytes"))
                    report.lostBytes += recovery.truncatedBytes
                    foundCorruption = true
                }
                try segment.flushAll()
            }
            segments.append(segment)
        }
        if segments.isEmpty {
            segments.append(try Segment.create(
                directory: directory, baseOffset: 0, indexIntervalBytes: configuration.indexIntervalBytes))
        }
        let state = PartitionLogState(
            configuration: configuration, segments: segments, logStartOffset: segments[0].baseOffset,
            logEndOffset: segments[segments.count - 1].nextOffset)
        try writeRecoveryPoint(segments[segments.count - 1].baseOffset, directory: directory)
        return (state, report)
    }

    static func readRecoveryPoint(directory: String) throws(LogError) -> Int64? {
        guard let bytes = try FileSystem.readSmallFile(directory + "/" + recoveryPointFileName) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(of: " \n")
        // An unreadable checkpoint only costs a full scan.
        return Int64(text)
    }
}

extension String {
    func trimmingCharacters(of set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
