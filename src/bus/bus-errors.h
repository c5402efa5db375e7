/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named D-Bus errors of org.cwatch1. */
#pragma once

#define BUS_ERROR_NO_SUCH_TRACER "org.cwatch1.Error.NoSuchTracer"
#define BUS_ERROR_INVALID_ARGUMENT "org.cwatch1.Error.InvalidArgument"
#define BUS_ERROR_TRACER_FAILED "org.cwatch1.Error.TracerFailed"
#define BUS_ERROR_BAD_CONFIGURATION "org.cwatch1.Error.BadConfiguration"
#define BUS_ERROR_NO_SUCH_PROFILE "org.cwatch1.Error.NoSuchProfile"
#define BUS_ERROR_PROFILES_OFF "org.cwatch1.Error.ProfilesOff"
#define BUS_ERROR_SYNC_OFF "org.cwatch1.Error.SyncOff"
#define BUS_ERROR_SNAPSHOT_REJECTED "org.cwatch1.Error.SnapshotRejected"
#define BUS_ERROR_NO_SUCH_PROGRAM "org.cwatch1.Error.NoSuchProgram"
#define BUS_ERROR_WHITELIST_OFF "org.cwatch1.Error.WhitelistOff"
#define BUS_ERROR_RESPONSE_OFF "org.cwatch1.Error.ResponseOff"
#define BUS_ERROR_NO_SUCH_UNIT "org.cwatch1.Error.NoSuchUnit"
