// The OpenTelemetry SDK parts otlp.ts uses, in one module: scripts/bundle.js makes it a vendor
// bundle of its own (dist/bundle/vendor/otel.cjs), required only when a run is traced.
export { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
export { ExportResultCode, type ExportResult } from '@opentelemetry/core';
export { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
export { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
export { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
