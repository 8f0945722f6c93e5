"""Kredivo PayLater: checkout at payment, redirect, push confirmed by a call back to Kredivo."""
