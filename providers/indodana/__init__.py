"""Indodana PayLater: checkout at payment, redirect, Bearer-signed push confirmed by a status check."""
