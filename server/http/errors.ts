/** The one error middleware: every failure leaves as the contract's JSON error shape, never HTML or a stack. */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';
import { AppError, invalidPayload, toAppError, tooLarge } from '../errors';

const bodyField = (message: string) => ({ fields: [{ field: 'body', message }] });

/** Maps body-parser failures to contract codes, logs unexpected errors, and answers JSON. */
export function errorMiddleware(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let appErr: AppError;
    const e = err as { type?: string; status?: number };
    if (err instanceof AppError) appErr = err;
    else if (e?.type === 'entity.too.large') appErr = tooLarge('The request body is too large.');
    else if (e?.type === 'entity.parse.failed') appErr = invalidPayload('The request body is not valid JSON.', bodyField('is not valid JSON'));
    else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') appErr = invalidPayload('Unsupported body encoding.', bodyField('unsupported encoding'));
    else if (e?.status === 400 || e?.status === 415) appErr = invalidPayload('Malformed request.', bodyField('malformed'));
    else {
      logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
      appErr = toAppError(err);
    }
    if (appErr.code === 'rate_limited') {
      const retry = (appErr.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retry) res.setHeader('Retry-After', String(retry));
    }
    if (res.headersSent) return void res.end();
    res.status(appErr.status).json({ error: appErr.toBody() });
  };
}
