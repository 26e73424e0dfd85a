'use strict';
// The child process that hosts one warm Lambda execution environment. It loads the handler once, then runs one
// invocation at a time on request from the parent over IPC, as the Lambda runtime does. Plain CommonJS on purpose:
// it starts without a TypeScript loader, exactly as the deployed bundle does.
const path = require('node:path');
const { pathToFileURL } = require('node:url');

let handlerPromise;

function errorPayload(error, fallbackType) {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    errorType: err.name && err.name !== 'Error' ? err.name : fallbackType || 'Error',
    errorMessage: err.message,
    trace: String(err.stack || '').split('\n'),
  };
}

async function loadHandler(spec) {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) throw Object.assign(new Error(`Bad handler "${spec}"`), { name: 'Runtime.MalformedHandlerName' });
  const modulePath = path.resolve(process.cwd(), spec.slice(0, dot));
  const exportName = spec.slice(dot + 1);
  let mod;
  for (const ext of ['.js', '.cjs', '.mjs']) {
    try {
      require.resolve(modulePath + ext);
    } catch {
      continue;
    }
    mod = ext === '.mjs' ? await import(pathToFileURL(modulePath + ext).href) : require(modulePath + ext);
    break;
  }
  if (!mod) {
    throw Object.assign(new Error(`Cannot find module '${spec.slice(0, dot)}'`), { name: 'Runtime.ImportModuleError' });
  }
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${spec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn;
}

function runHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(result);
    };
    try {
      const out = fn(event, context, callback);
      if (out && typeof out.then === 'function') {
        out.then(
          (result) => callback(null, result),
          (error) => callback(error || new Error('handler rejected')),
        );
      } else if (fn.length < 3) {
        callback(null, out);
      }
    } catch (error) {
      callback(error);
    }
  });
}

process.on('message', async (message) => {
  if (!message || message.type !== 'invoke') return;
  const { id, handler, event, deadline, requestId, functionName, functionVersion, memorySize } = message;
  const context = {
    awsRequestId: requestId,
    functionName,
    functionVersion,
    memoryLimitInMB: String(memorySize),
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    handlerPromise ??= loadHandler(handler);
    const fn = await handlerPromise.catch((error) => {
      handlerPromise = undefined;
      throw error;
    });
    const result = await runHandler(fn, event, context);
    process.send({ type: 'result', id, ok: true, payload: result === undefined ? null : result });
  } catch (error) {
    process.send({ type: 'result', id, ok: false, error: errorPayload(error) });
  }
});

process.send({ type: 'ready' });
