import { randomUUID } from 'node:crypto'
import { BrainError } from '../../../shared/errors'
import type { BatchRequest, BatchResponse, ManifestEntry } from '../../../shared/sync-protocol'
import { appendSummary, type PassContext, retryInPass, summaryFiles } from './sync-pass-context'
import { makeBatch, packOperation, type PackedBatch } from './sync-wire'

/** Hands a closed batch on: listed in a dry run's report, sent otherwise. */
export async function deliverBatch(context: PassContext, batch: PackedBatch): Promise<void> {
  if (context.report.dryRun) {
    appendSummary(context.report, batch.summary)
    return
  }
  await sendBatch(context, batch, false)
}

/** Sends one batch through the outbox: retried with backoff, split on 413, acknowledged with the cache update. */
export async function sendBatch(context: PassContext, batch: PackedBatch, fromOutbox: boolean): Promise<void> {
  const { repository } = context
  if (!fromOutbox) repository.addToOutbox({ batchId: batch.batchId, baseUrl: context.config.baseUrl.href, body: batch.body, summary: batch.summary })
  let response: BatchResponse
  try {
    response = await retryInPass(context, async () => {
      repository.countAttempt(batch.batchId)
      return context.client.postBatch(batch.body, context.signal)
    })
  } catch (error) {
    if (BrainError.is(error, 'gateway-payload-too-large')) {
      repository.removeFromOutbox(batch.batchId)
      await splitBatch(context, batch)
      return
    }
    if (BrainError.is(error, 'sync-failed') && error.details?.serverCode === 'batch-id-reused') {
      // Cannot happen with this client's UUIDs; dropping the batch and planning again is always safe.
      repository.removeFromOutbox(batch.batchId)
      context.replan = true
      return
    }
    throw error
  }
  acknowledge(context, batch, response)
  appendSummary(context.report, batch.summary)
  context.sentFiles += summaryFiles(batch.summary)
  context.events.progress(context.sentFiles, Math.max(context.totalFiles, context.sentFiles))
}

/** The batch arrived: out of the outbox and into the cached server manifest, in one transaction. */
function acknowledge(context: PassContext, batch: PackedBatch, response: BatchResponse): void {
  const { repository } = context
  repository.transaction(() => {
    repository.removeFromOutbox(batch.batchId)
    const info = repository.remoteInfo()
    const remote = batch.summary.renames.length > 0 ? repository.remoteFiles() : new Map<string, ManifestEntry>()
    const sentUpserts = new Map(batch.summary.upserts.map((item) => [item.path, item]))
    for (const result of response.results) {
      if (result.status === 'conflict') {
        context.replan = true
        if (result.from) repository.deleteRemoteFile(result.from)
        repository.deleteRemoteFile(result.path)
        continue
      }
      if (result.op === 'delete') repository.deleteRemoteFile(result.path)
      else if (result.op === 'move' && result.from) {
        const entry = remote.get(result.from)
        repository.deleteRemoteFile(result.from)
        if (entry) repository.putRemoteFile({ ...entry, path: result.path })
      } else if (result.op === 'upsert') {
        const sent = sentUpserts.get(result.path)
        if (sent) {
          const kept = result.vectors === 'none' ? null : batch.summary.embeddingKey
          repository.putRemoteFile({ path: sent.path, sha256: sent.sha256, chunkCount: sent.chunks, chunksSha256: sent.chunksSha256, embeddingKey: kept })
        }
      }
    }
    if (info && info.baseUrl === context.config.baseUrl.href) {
      // Only a batch applied right on top of the cached revision keeps the cache complete; otherwise re-list next time.
      const revision = !context.replan && info.revision === response.baseRevision ? response.revision : null
      repository.setRemoteInfo({ ...info, revision })
    }
  })
}

/** A 413: halves go separately; a single operation the gateway refuses is reported and skipped. */
async function splitBatch(context: PassContext, batch: PackedBatch): Promise<void> {
  const request = JSON.parse(batch.body) as BatchRequest
  const operations = request.operations.map(packOperation)
  if (operations.length === 1) {
    const only = request.operations[0]
    context.skipped.push({ path: only.op === 'move' ? only.to : only.path, reason: 'too-large' })
    return
  }
  const middle = Math.ceil(operations.length / 2)
  await sendBatch(context, makeBatch(randomUUID(), request.embedding, operations.slice(0, middle)), false)
  await sendBatch(context, makeBatch(randomUUID(), request.embedding, operations.slice(middle)), false)
}
