namespace AdminPortal.Core;
