// The resource sampler's failures carry a code, as ProgError's do; the CLI maps them in one place.

export type ResourceErrorCode =
  | 'RESOURCE_OPTIONS' // the sampler was given a pid or interval it cannot use (a bug in the caller)
  | 'RESOURCE_SAMPLE'; // a sample failed for a reason other than a process exiting mid-read (e.g. EMFILE)

export class ResourceError extends Error {
  readonly code: ResourceErrorCode;
  constructor(code: ResourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResourceError';
    this.code = code;
  }
}
